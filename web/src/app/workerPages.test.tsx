// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobSnapshot } from '../live';
import { snapshot } from '../live/testSupport';
import { JobPage } from './JobPage';
import { Transcript } from './MediaTranscript';
import { NewJobPage } from './NewJobPage';
import { JsonPartials } from './Partials';
import type { ProcessorInfo } from './processors';
import { fakeClient, json } from './testClient';
import { giveScrollersASize } from './testLayout';
import { UploadQueue } from './uploadQueue';

afterEach(cleanup);
let undoSize: () => void;
beforeAll(() => (undoSize = giveScrollersASize()));
afterAll(() => undoSize());

const optimize: ProcessorInfo = {
  name: 'optimize',
  description: 'Searches for a good lineup',
  accepts: ['none'],
  params: {
    type: 'object',
    required: ['size'],
    properties: {
      size: { type: 'integer', minimum: 4, maximum: 19, default: 9 },
      lineup: { type: 'array', items: { type: 'string' } },
    },
  },
  resultFormats: ['json'],
  shape: null,
  details: { servedBy: 'workers', workers: 0, lastSeenAt: null },
};

describe('New job, for a processor that takes no file', () => {
  it('offers only its params, shows refusals next to their fields, and starts the job without an input', async () => {
    let refuse = true;
    const { client, calls } = fakeClient((call) => {
      if (call.path !== '/api/v1/jobs' || call.method !== 'POST') return undefined;
      if (refuse) {
        refuse = false;
        return json(
          {
            code: 'invalid_params',
            detail: 'params.size must be odd.',
            errors: [{ field: 'params.size', message: 'must be odd' }],
          },
          400,
        );
      }
      return json({ id: 'job_1', state: 'queued' }, 201);
    });
    const refresh = vi.fn();
    render(
      <NewJobPage
        client={client}
        processors={[{ ...optimize, details: { ...optimize.details, workers: 2 } }]}
        uploads={new UploadQueue(client.http)}
        refreshProcessors={refresh}
      />,
    );
    expect(refresh).toHaveBeenCalledOnce();
    const form = screen.getByRole('form', { name: 'A job without a file' });
    expect(within(form).getByRole('option', { name: 'optimize (2 workers)' })).toBeTruthy();
    expect(within(form).getByTestId('workers').textContent).toBe('Served by external workers: 2 connected now.');
    const size = within(form).getByLabelText(/size/) as HTMLInputElement;
    expect([size.value, size.min, size.max]).toEqual(['9', '4', '19']);
    fireEvent.change(within(form).getByLabelText(/lineup/), { target: { value: '["a", "b"]' } });

    fireEvent.click(within(form).getByRole('button', { name: 'Start job' }));
    await within(form).findByText('must be odd');
    expect(size.getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getByTestId('error-size').id).toBe(size.getAttribute('aria-describedby'));

    fireEvent.change(size, { target: { value: '11' } });
    expect(within(form).queryByText('must be odd')).toBeNull();
    fireEvent.click(within(form).getByRole('button', { name: 'Start job' }));
    await waitFor(() => expect(window.location.pathname).toBe('/jobs/job_1'));
    const [first, second] = calls.filter((c) => c.path === '/api/v1/jobs');
    expect(second.body).toEqual({ type: 'optimize', params: { size: 11, lineup: ['a', 'b'] } });
    expect(second.headers.get('X-Kiln-CSRF')).toBe('csrf_1');
    const key = second.headers.get('Idempotency-Key');
    expect(key).toMatch(/^web-[0-9a-f]{32}$/);
    expect(first.headers.get('Idempotency-Key')).not.toBe(key); // the params changed: another job
  });
});

describe('a queued job of a processor no worker serves now', () => {
  it('says it waits for a worker, and since when none was seen', () => {
    const job = snapshot('job_1', 1, { type: 'optimize', state: 'queued', input: undefined });
    const jobs = { job_1: { view: { snapshot: job, seq: 1, partials: [], historyComplete: true } } };
    const { client } = fakeClient((call) => (call.path === '/api/v1/jobs/job_1' ? json(job) : undefined), jobs);
    const seen = new Date(Date.now() - 5 * 60_000).toISOString();
    const page = (details: Record<string, unknown>) => (
      <JobPage
        client={client}
        id="job_1"
        processors={[{ ...optimize, details: { servedBy: 'workers', ...details } }]}
        refreshProcessors={() => {}}
      />
    );
    const { rerender } = render(page({ workers: 0, lastSeenAt: null }));
    expect(screen.getByTestId('queue').textContent).toBe(
      'Waiting for a worker: none serves optimize now (no worker has connected yet).',
    );
    expect(screen.getByText('Submitted')).toBeTruthy();
    rerender(page({ workers: 0, lastSeenAt: seen }));
    expect(screen.getByTestId('queue').textContent).toContain('(last seen 5 min ago)');
    rerender(page({ workers: 1, lastSeenAt: seen }));
    expect(screen.getByTestId('queue').textContent).toMatch(/^Waiting for a free worker/);
  });
});

describe("a finished worker job's result files", () => {
  it('lists each with its size and type, as a download link', async () => {
    const job = snapshot('job_1', 3, { type: 'optimize', state: 'succeeded', input: undefined });
    const jobs = { job_1: { view: { snapshot: job, seq: 3, partials: [], historyComplete: true } } };
    const files = [
      {
        name: 'frames.bin',
        size: 3 * 1024 * 1024,
        mediaType: 'application/octet-stream',
        url: '/api/v1/jobs/job_1/files/frames.bin',
      },
      { name: 'summary.txt', size: 12, mediaType: 'text/plain', url: '/api/v1/jobs/job_1/files/summary.txt' },
    ];
    const { client } = fakeClient(
      (call) => (call.path === '/api/v1/jobs/job_1/files' ? json({ items: files }) : undefined),
      jobs,
    );
    render(<JobPage client={client} id="job_1" processors={[optimize]} refreshProcessors={() => {}} />);
    const list = await screen.findByRole('region', { name: 'Files' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      'frames.bin 3.0 MB · application/octet-stream',
      'summary.txt 12 B · text/plain',
    ]);
    const link = within(items[0]).getByRole('link', { name: 'frames.bin' });
    expect(link.getAttribute('href')).toBe('/api/v1/jobs/job_1/files/frames.bin');
    expect(link.getAttribute('download')).toBe('frames.bin');
  });
});

describe('partial results that are not a transcript', () => {
  it('shows the latest in full and folds the earlier ones away, newest first', () => {
    render(<JsonPartials partials={[{ best: 1 }, { best: 3, path: [1, 2] }, { best: 7, note: 'better' }]} complete />);
    const latest = screen.getByTestId('latest-partial');
    expect(latest.textContent).toContain('Latest (#3)');
    expect(within(latest).getByText('better')).toBeTruthy();
    expect(within(latest).getByText('7')).toBeTruthy();
    expect(screen.getByText('2 earlier results')).toBeTruthy();
    const earlier = within(screen.getByTestId('earlier-partials')).getAllByRole('listitem');
    expect(earlier.map((li) => li.textContent)).toEqual(['{"best":3,"path":[1,2]}', '{"best":1}']);
  });
});

describe('a transcript with speakers', () => {
  const segments = [
    { text: 'hello there', start: 0, end: 1.2, speaker: 'SPEAKER_00' },
    { text: 'hi', start: 1.4, end: 2, speaker: 'SPEAKER_01' },
    { text: 'how are you', start: 2.1, end: 3, speaker: 'SPEAKER_00' },
  ];
  const done: JobSnapshot = snapshot('job_t', 9, {
    type: 'diarize',
    state: 'succeeded',
    result: { href: '/api/v1/jobs/job_t/result', size: 300 },
    finishedAt: '2026-11-23T10:00:09Z',
    input: undefined,
  });

  it('names speakers live by their ids, with no renaming before the result is stored', () => {
    const { client } = fakeClient(() => undefined);
    render(
      <Transcript
        client={client}
        job={{ ...done, state: 'running', result: undefined }}
        partials={segments}
        complete
      />,
    );
    const lines = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(lines).toEqual(['0:00 SPEAKER_00: hello there', '0:01 SPEAKER_01: hi', '0:02 SPEAKER_00: how are you']);
    expect(screen.queryByRole('button', { name: /Rename/ })).toBeNull();
  });

  it('shows the stored names, and renames a speaker everywhere in place; a refusal says why', async () => {
    let names: Record<string, string> = { SPEAKER_01: 'Ben' };
    let conflict = false;
    const { client, calls } = fakeClient((call) => {
      if (call.path === '/api/v1/jobs/job_t/result') return json({ segments, speakerNames: names });
      if (call.path === '/api/v1/jobs/job_t/speakers' && call.method === 'PUT') {
        if (conflict) return json({ code: 'no_speakers', detail: 'This transcript has no speakers.' }, 409);
        names = { ...names, ...(call.body as { names: Record<string, string> }).names };
        return json({ names });
      }
      return undefined;
    });
    render(<Transcript client={client} job={done} partials={segments} complete />);
    await screen.findByText('Ben:');
    expect(screen.getAllByRole('button', { name: 'Rename SPEAKER_00' })).toHaveLength(2);

    fireEvent.click(screen.getAllByRole('button', { name: 'Rename SPEAKER_00' })[1]);
    fireEvent.change(screen.getByLabelText('Name for SPEAKER_00'), { target: { value: ' Ana ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getAllByRole('button', { name: 'Rename Ana' })).toHaveLength(2));
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ names: { SPEAKER_00: 'Ana' } });
    expect(screen.getAllByRole('listitem')[0].textContent).toBe('0:00 Ana: hello there');

    conflict = true;
    fireEvent.click(screen.getByRole('button', { name: 'Rename Ben' }));
    fireEvent.change(screen.getByLabelText('Name for SPEAKER_01'), { target: { value: 'Bo' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Save' })));
    expect((await screen.findByRole('alert')).textContent).toBe('This transcript has no speakers.');
    fireEvent.keyDown(screen.getByLabelText('Name for SPEAKER_01'), { key: 'Escape' });
    expect(screen.getByRole('button', { name: 'Rename Ben' })).toBeTruthy();
  });
});
