import { describe, expect, it } from 'vitest';
import { HttpError, KilnHttp } from '../live';
import {
  deleteFiles,
  fileLength,
  isLibraryFile,
  isUsage,
  jobsNamedBy,
  libraryPath,
  resultFormats,
  viewing,
  type Deleted,
  type LibraryFile,
} from './library';
import type { ProcessorInfo } from './processors';
import { parseRoute } from './router';

const file: LibraryFile = {
  id: 'fil_1',
  name: 'talk.wav',
  size: 312388,
  mediaType: 'audio/wav',
  sha256: 'ab'.repeat(32),
  createdAt: '2026-12-01T10:00:00Z',
  duration: 83.5,
  jobs: [{ id: 'job_1', type: 'transcribe', state: 'succeeded' }],
  jobCount: 1,
};

describe('the library', () => {
  it('takes files as the API lists them, measured or not, and refuses what is not one', () => {
    expect(isLibraryFile(file)).toBe(true);
    expect(isLibraryFile({ ...file, name: null, duration: null, pages: null, jobs: [] })).toBe(true);
    expect(isLibraryFile({ ...file, owner: 'usr_b' })).toBe(true);
    expect(isLibraryFile({ ...file, size: '312388' })).toBe(false);
    expect(isLibraryFile({ ...file, duration: -1 })).toBe(false);
    expect(isLibraryFile({ ...file, jobs: [{ id: 'job_1' }] })).toBe(false);
    expect(isLibraryFile({ ...file, jobs: undefined })).toBe(false);
    expect(isLibraryFile({ ...file, jobCount: undefined })).toBe(false);
    expect(isLibraryFile({ ...file, jobCount: 9, jobsCursor: 'MTcwMDAwMDAwMDAwMDpqb2JfMQ' })).toBe(true);
    expect(isLibraryFile({ ...file, jobsCursor: null })).toBe(true);
    expect(isLibraryFile({ ...file, jobsCursor: 5 })).toBe(false);
    expect(isLibraryFile(null)).toBe(false);
  });

  it('takes usage with its figures, not without', () => {
    const usage = { usedBytes: 10, quotaBytes: 100, files: 1, jobs: { queued: 0, succeeded: 2 } };
    expect(isUsage(usage)).toBe(true);
    expect(isUsage({ ...usage, quotaBytes: undefined })).toBe(false);
    expect(isUsage({ ...usage, jobs: { queued: 'none' } })).toBe(false);
  });

  it('writes a recording as minutes and seconds, a document as pages, nothing before a job has measured it', () => {
    expect(fileLength({ duration: 83.5 })).toBe('1:23');
    expect(fileLength({ duration: 3723 })).toBe('1:02:03');
    expect(fileLength({ pages: 1 })).toBe('1 page');
    expect(fileLength({ pages: 12 })).toBe('12 pages');
    expect(fileLength({})).toBe('');
  });

  it('plays audio and video, opens anything else', () => {
    expect(viewing('audio/mpeg')).toBe('audio');
    expect(viewing('video/mp4')).toBe('video');
    expect(viewing('application/pdf')).toBe('document');
    expect(viewing('text/plain')).toBe('document');
  });

  it("offers a job's result in its processor's formats, JSON when the processor is unknown", () => {
    const transcribe = { name: 'transcribe', resultFormats: ['json', 'txt', 'srt', 'vtt'] } as ProcessorInfo;
    expect(resultFormats('transcribe', [transcribe])).toEqual(['json', 'txt', 'srt', 'vtt']);
    expect(resultFormats('gone', [transcribe])).toEqual(['json']);
  });

  it('names the jobs that keep a file (409 file_in_use), and only for that refusal', () => {
    const inUse = new HttpError(409, 'file_in_use', 'Jobs waiting or running need file fil_1', {
      code: 'file_in_use',
      jobs: [{ id: 'job_2', type: 'transcribe', state: 'queued' }, { junk: true }],
    });
    expect(jobsNamedBy(inUse, 'file_in_use')).toEqual([{ id: 'job_2', type: 'transcribe', state: 'queued' }]);
    expect(jobsNamedBy(new HttpError(409, 'job_running', 'running'), 'file_in_use')).toBeUndefined();
    expect(jobsNamedBy(new HttpError(404, 'file_not_found', 'No file'), 'file_in_use')).toBeUndefined();
    expect(jobsNamedBy(new Error('offline'), 'file_in_use')).toBeUndefined();
  });

  it('names the running jobs that keep a file deleted with its jobs (409 job_running), and only for that refusal', () => {
    const running = new HttpError(409, 'job_running', 'Jobs made from file fil_1 are running', {
      code: 'job_running',
      jobs: [{ id: 'job_2', type: 'transcribe', state: 'running' }],
    });
    expect(jobsNamedBy(running, 'job_running')).toEqual([{ id: 'job_2', type: 'transcribe', state: 'running' }]);
    expect(jobsNamedBy(new HttpError(409, 'file_in_use', 'in use'), 'job_running')).toBeUndefined();
  });

  it('deletes more files than one request takes (200) in several, one after another', async () => {
    const sent: string[][] = [];
    const http = new KilnHttp({
      csrf: () => 'csrf_1',
      fetch: async (_input, init) => {
        const ids = (JSON.parse(String(init?.body)) as { ids: string[] }).ids;
        sent.push(ids);
        const items = ids.map((id) => ({ id, status: 204 }));
        return new Response(JSON.stringify(ids.length > 200 ? { code: 'invalid_field' } : { items }), {
          status: ids.length > 200 ? 400 : 200,
          headers: { 'Content-Type': 'application/json' },
        });
      },
    });
    const ids = Array.from({ length: 450 }, (_, i) => `file_${i}`);
    const outcome = await deleteFiles(http, ids);
    expect(sent.map((s) => s.length)).toEqual([200, 200, 50]);
    expect(sent.flat()).toEqual(ids);
    expect(outcome.map((d) => d.id)).toEqual(ids);
  });

  it('tells what the requests before a failed one deleted, then throws', async () => {
    let calls = 0;
    const http = new KilnHttp({
      csrf: () => 'csrf_1',
      fetch: async (_input, init) => {
        const ids = (JSON.parse(String(init?.body)) as { ids: string[] }).ids;
        const body =
          ++calls === 2
            ? { code: 'unavailable', detail: 'Kiln is busy.' }
            : { items: ids.map((id) => ({ id, status: 204 })) };
        return new Response(JSON.stringify(body), {
          status: calls === 2 ? 503 : 200,
          headers: { 'Content-Type': 'application/json' },
        });
      },
    });
    const told: Deleted[] = [];
    const ids = Array.from({ length: 250 }, (_, i) => `file_${i}`);
    await expect(deleteFiles(http, ids, (some) => told.push(...some))).rejects.toThrow();
    expect(told.map((d) => d.id)).toEqual(ids.slice(0, 200));
  });

  it('keeps the search and the kind in the address, and reads them back', () => {
    expect(libraryPath('', undefined)).toBe('/library');
    expect(libraryPath('my talk', 'audio')).toBe('/library?q=my+talk&type=audio');
    expect(parseRoute('/library', '?q=my+talk&type=audio')).toEqual({ name: 'library', q: 'my talk', kind: 'audio' });
    expect(parseRoute('/library', '?type=spreadsheets')).toEqual({ name: 'library', q: undefined, kind: undefined });
  });
});
