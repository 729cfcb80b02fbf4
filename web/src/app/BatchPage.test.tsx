// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from '../live';
import { BatchPage } from './BatchPage';
import { batchName, doneSummary, isBatch, recentBatches, type Batch } from './batches';
import type { ProcessorInfo } from './processors';
import { parseRoute } from './router';

afterEach(cleanup);

const running: Batch = {
  id: 'batch_1',
  name: 'talk.wav and 1 more',
  type: 'transcribe',
  createdAt: '2026-12-05T02:00:00Z',
  jobCount: 2,
  counts: { queued: 0, retry_scheduled: 0, running: 1, succeeded: 1, failed: 0, cancelled: 0 },
  progress: 0.75,
  eta: '2026-12-05T02:01:00Z',
  finished: false,
  jobs: [
    { id: 'job_1', fileId: 'file_1', fileName: 'talk.wav', state: 'succeeded', progress: 1 },
    {
      id: 'job_2',
      fileId: 'file_2',
      fileName: 'notes.wav',
      state: 'running',
      progress: 0.5,
      eta: '2026-12-05T02:01:00Z',
    },
  ],
};

const transcribe = { name: 'transcribe', resultFormats: ['json', 'txt', 'srt'] } as ProcessorInfo;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status < 300 ? 'application/json' : 'application/problem+json' },
  });
}

/** A Kiln answering batch calls from a list of states, one per read; actions answer what they are given. */
function fakeKiln(states: Batch[], actions: Record<string, Batch> = {}) {
  const calls: string[] = [];
  let read = 0;
  const http = new KilnHttp({
    csrf: () => 'csrf_1',
    fetch: async (input, init) => {
      const url = new URL(String(input), 'http://kiln');
      const method = init?.method ?? 'GET';
      calls.push(`${method} ${url.pathname}`);
      const action = /\/(cancel|retry)$/.exec(url.pathname);
      if (method === 'POST' && action) return json(actions[action[1]]);
      if (url.pathname === '/api/v1/batches/batch_1') return json(states[Math.min(read++, states.length - 1)]);
      return json({ code: 'batch_not_found', detail: 'No batch.' }, 404);
    },
  });
  return { http, calls };
}

describe('batches', () => {
  it('take a batch as the API answers it, and refuse what is not one', () => {
    expect(isBatch(running)).toBe(true);
    expect(isBatch({ ...running, progress: 1.5 })).toBe(false);
    expect(isBatch({ ...running, jobs: [{ id: 'job_1' }] })).toBe(false);
    expect(isBatch({ ...running, counts: { running: '1' } })).toBe(false);
  });

  it('are named after their files and summed up by what is done', () => {
    expect(batchName([{ name: 'a.wav' }, { name: 'b.wav' }, { name: 'c.wav' }])).toBe('a.wav and 2 more');
    expect(batchName([{ name: 'x'.repeat(300) }, { name: 'y' }])).toHaveLength(200);
    expect(doneSummary({ ...running, counts: { ...running.counts, failed: 1 } })).toBe('2 of 2 done · 1 failed');
  });

  it('are listed newest first without their jobs, and a malformed list is refused', async () => {
    const listed = { ...running, jobs: undefined };
    const http = (items: unknown) => new KilnHttp({ fetch: async () => json({ items, nextCursor: null }) });
    expect((await recentBatches(http([listed]), 5)).map((b) => b.id)).toEqual(['batch_1']);
    await expect(recentBatches(http([{ id: 'batch_1' }]), 5)).rejects.toThrow('malformed');
  });

  it('have a page of their own', () => {
    expect(parseRoute('/batches/batch_1')).toEqual({ name: 'batch', id: 'batch_1' });
  });
});

describe('the batch page', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows aggregated progress and each file, and polls until the batch finishes', async () => {
    const done: Batch = {
      ...running,
      counts: { ...running.counts, running: 0, succeeded: 2 },
      progress: 1,
      eta: undefined,
      finished: true,
      jobs: running.jobs.map((j) => ({ ...j, state: 'succeeded', progress: 1, eta: undefined })),
    };
    const kiln = fakeKiln([running, done]);
    render(<BatchPage http={kiln.http} id="batch_1" processors={[transcribe]} />);

    expect(await screen.findByTestId('batch-status')).toHaveProperty('textContent', expect.stringContaining('75%'));
    expect(screen.getAllByTestId('batch-row-state').map((c) => c.textContent)).toEqual(['succeeded', 'running']);
    expect(screen.getByRole('link', { name: 'notes.wav' }).getAttribute('href')).toBe('/jobs/job_2');

    await act(() => vi.advanceTimersByTimeAsync(1_000));
    expect(screen.getByTestId('batch-status').textContent).toContain('Finished');
    await act(() => vi.advanceTimersByTimeAsync(5_000));
    expect(kiln.calls.filter((c) => c === 'GET /api/v1/batches/batch_1')).toHaveLength(2);
    expect(screen.queryByRole('button', { name: 'Cancel all' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Download all' })).toBeTruthy();
  });

  it('retries the failed jobs and follows the batch again', async () => {
    const failed: Batch = {
      ...running,
      counts: { ...running.counts, running: 0, failed: 1 },
      progress: 1,
      finished: true,
      jobs: [running.jobs[0], { ...running.jobs[1], state: 'failed', error: 'processor_error' }],
    };
    const kiln = fakeKiln([failed, running], { retry: running });
    render(<BatchPage http={kiln.http} id="batch_1" processors={[transcribe]} />);

    fireEvent.click(await screen.findByRole('button', { name: 'Retry failed (1)' }));
    expect(screen.queryByTestId('batch-not-retried')).toBeNull(); // every failed job can run again

    expect(await screen.findByRole('button', { name: 'Cancel all' })).toBeTruthy();
    expect(kiln.calls).toContain('POST /api/v1/batches/batch_1/retry');
    await act(() => vi.advanceTimersByTimeAsync(1_100));
    // One read before the retry, one as the retry's answer restarts the polling, one a second later.
    expect(kiln.calls.filter((c) => c === 'GET /api/v1/batches/batch_1')).toHaveLength(3);
  });

  it('offers to retry only the jobs that could end otherwise, and says how many it leaves and why', async () => {
    const job = (id: string, state: string, more: object = {}) => ({
      id,
      fileId: `file_${id}`,
      fileName: `${id}.wav`,
      state,
      progress: 1,
      ...more,
    });
    const ended: Batch = {
      ...running,
      jobCount: 5,
      counts: { ...running.counts, running: 0, succeeded: 1, failed: 3, cancelled: 1 },
      progress: 1,
      eta: undefined,
      finished: true,
      jobs: [
        job('ok', 'succeeded'),
        job('damaged', 'failed', { error: 'media_unreadable' }), // the file itself
        job('gone', 'failed', { fileId: undefined, fileName: undefined, error: 'processor_error' }), // file deleted
        job('crashed', 'failed', { error: 'processor_error' }),
        job('stopped', 'cancelled'),
      ],
    };
    const kiln = fakeKiln([ended], { retry: ended });
    render(<BatchPage http={kiln.http} id="batch_1" processors={[transcribe]} />);

    expect((await screen.findByTestId('batch-not-retried')).textContent).toBe(
      '2 of the 4 failed or cancelled jobs can be retried: 2 would fail the same way (the problem is in the file itself, or the file was deleted). Open one to see why.',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Retry failed (2)' }));
    await act(async () => {});
    expect(kiln.calls).toContain('POST /api/v1/batches/batch_1/retry');
  });

  it('offers no retry when every failed job would fail the same way', async () => {
    const ended: Batch = {
      ...running,
      counts: { ...running.counts, running: 0, succeeded: 1, failed: 1 },
      progress: 1,
      eta: undefined,
      finished: true,
      jobs: [running.jobs[0], { ...running.jobs[1], state: 'failed', progress: 1, error: 'no_audio' }],
    };
    render(<BatchPage http={fakeKiln([ended]).http} id="batch_1" processors={[transcribe]} />);

    expect((await screen.findByTestId('batch-not-retried')).textContent).toBe(
      'The failed job cannot be retried: it would fail the same way (the problem is in the file itself, or the file was deleted). Open it to see why.',
    );
    expect(screen.queryByRole('button', { name: /Retry/ })).toBeNull();
  });

  it('reads nothing while the tab is hidden, reads at once when it is shown, and never two reads at a time', async () => {
    let hidden = false;
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    const flip = (to: boolean) => {
      hidden = to;
      document.dispatchEvent(new Event('visibilitychange'));
    };
    const answers: (() => void)[] = [];
    const http = new KilnHttp({
      fetch: () => new Promise<Response>((resolve) => answers.push(() => resolve(json(running)))),
    });
    try {
      render(<BatchPage http={http} id="batch_1" processors={[transcribe]} />);
      expect(answers).toHaveLength(1);
      flip(true);
      flip(false); // shown again while the first read is on its way: no second one
      expect(answers).toHaveLength(1);
      await act(async () => answers[0]());
      await screen.findByTestId('batch-status');

      flip(true);
      await act(() => vi.advanceTimersByTimeAsync(5_000));
      expect(answers).toHaveLength(1);
      flip(false);
      expect(answers).toHaveLength(2);
      await act(async () => answers[1]());
      await act(() => vi.advanceTimersByTimeAsync(1_000));
      expect(answers).toHaveLength(3);
    } finally {
      delete (document as { hidden?: boolean }).hidden;
    }
  });

  it('shows a placeholder for a file deleted since, not the job id', async () => {
    const done: Batch = {
      ...running,
      finished: true,
      // The API's row once the job's file was deleted: no fileId, no fileName.
      jobs: [running.jobs[0], { id: 'job_2', state: 'succeeded', progress: 1 }],
    };
    render(<BatchPage http={fakeKiln([done]).http} id="batch_1" processors={[transcribe]} />);
    expect((await screen.findByRole('link', { name: '(deleted file)' })).getAttribute('href')).toBe('/jobs/job_2');
    expect(screen.getByRole('link', { name: 'talk.wav' })).toBeTruthy();
    expect(screen.queryByText('job_2')).toBeNull();
  });

  it('says so when the batch is not there', async () => {
    const kiln = fakeKiln([]);
    render(<BatchPage http={kiln.http} id="batch_2" processors={[]} />);
    expect(await screen.findByRole('heading', { name: 'No such batch' })).toBeTruthy();
  });
});
