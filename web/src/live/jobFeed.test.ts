import { describe, expect, it, vi } from 'vitest';
import { JobFeed } from './jobFeed';
import { viewFromStart, type JobView } from './jobView';
import { event, flush, snapshot } from './testSupport';
import type { JobEvent } from './protocol';

function feed(fetchEvents: (id: string, after: number) => Promise<JobEvent[]> = async () => []) {
  const views: JobView[] = [];
  const f = new JobFeed('job_a', viewFromStart(snapshot('job_a', 0, { state: 'queued' })), fetchEvents, (v) =>
    views.push(v),
  );
  return { f, views, applied: () => f.view.partials.map((p) => (p as { n: number }).n) };
}

describe('JobFeed', () => {
  it('applies events in order and ignores duplicates', () => {
    const { f, applied } = feed();
    f.receive(event('job_a', 1));
    f.receive(event('job_a', 2));
    f.receive(event('job_a', 2));
    f.receive(event('job_a', 1));
    expect(applied()).toEqual([1, 2]);
    expect(f.view.seq).toBe(2);
  });

  it('holds an early event until the one before it arrives', async () => {
    const { f, applied } = feed(async () => []);
    f.receive(event('job_a', 1));
    f.receive(event('job_a', 3));
    await flush();
    expect(applied()).toEqual([1]);
    f.receive(event('job_a', 2));
    expect(applied()).toEqual([1, 2, 3]);
  });

  it('fetches a gap over HTTP and applies everything once, in order', async () => {
    const log = [1, 2, 3, 4, 5].map((seq) => event('job_a', seq));
    const fetchEvents = vi.fn(async (_id: string, after: number) => log.filter((e) => e.seq > after));
    const { f, applied } = feed(fetchEvents);
    f.receive(event('job_a', 1));
    f.receive(event('job_a', 2));
    f.receive(event('job_a', 5));
    await f.settled();
    expect(fetchEvents).toHaveBeenCalledWith('job_a', 2);
    expect(applied()).toEqual([1, 2, 3, 4, 5]);
    f.receive(event('job_a', 4));
    expect(applied()).toEqual([1, 2, 3, 4, 5]);
  });

  it('folds state, progress, error and result into the snapshot', () => {
    const { f } = feed();
    f.receive(event('job_a', 1, 'state', { state: 'running', attempt: 1 }));
    f.receive(event('job_a', 2, 'progress', { progress: 0.5, stage: 'transcribing' }));
    expect(f.view.snapshot).toMatchObject({ state: 'running', progress: 0.5, stage: 'transcribing' });
    f.receive(event('job_a', 3, 'result', { href: '/api/v1/jobs/job_a/result', size: 10 }));
    f.receive(event('job_a', 4, 'state', { state: 'succeeded', attempt: 1 }));
    expect(f.view.snapshot).toMatchObject({ state: 'succeeded', progress: 1, seq: 4, result: { size: 10 } });
    expect(f.view.snapshot.finishedAt).toBeDefined();
  });

  it('keeps partials from history without rolling the snapshot back', () => {
    const views: JobView[] = [];
    const f = new JobFeed(
      'job_a',
      viewFromStart(snapshot('job_a', 3, { state: 'succeeded', progress: 1 })),
      async () => [],
      (v) => views.push(v),
    );
    f.receive(event('job_a', 1, 'state', { state: 'running' }));
    f.receive(event('job_a', 2, 'partial', { text: 'hello' }));
    f.receive(event('job_a', 3, 'state', { state: 'succeeded' }));
    expect(f.view.snapshot.state).toBe('succeeded');
    expect(f.view.partials).toEqual([{ text: 'hello' }]);
  });

  it('retries a gap it could not fill, so an early last event is never left waiting', async () => {
    vi.useFakeTimers();
    try {
      let failures = 2;
      const log = [1, 2, 3].map((seq) => event('job_a', seq));
      const { f, applied } = feed(async (_id, after) => {
        if (failures-- > 0) throw new Error('network hiccup');
        return log.filter((e) => e.seq > after);
      });
      f.receive(event('job_a', 3)); // the job's last event arrives before 1 and 2
      await flush();
      expect(applied()).toEqual([]);
      await vi.advanceTimersByTimeAsync(250);
      await vi.advanceTimersByTimeAsync(500);
      await flush();
      expect(applied()).toEqual([1, 2, 3]);
      f.dispose();
    } finally {
      vi.useRealTimers();
    }
  });

  it('moves past the gap before a trimmed log instead of asking for it again and again', async () => {
    // Retention kept only the result and the final state of this finished job (docs/protocol.md).
    const log = [
      event('job_a', 40, 'result', { href: '/api/v1/jobs/job_a/result', size: 3 }),
      event('job_a', 41, 'state', { state: 'succeeded', attempt: 1 }),
    ];
    let fetches = 0;
    const fetchEvents = async (_id: string, after: number) => {
      if (++fetches > 5) throw new Error('asked too often'); // ends the loop this test is about
      return log.filter((e) => e.seq > after);
    };
    const done = snapshot('job_a', 41, { state: 'succeeded', progress: 1 });
    const f = new JobFeed('job_a', viewFromStart(done), fetchEvents, () => {});
    log.forEach((e) => f.receive(e));
    await f.settled();
    expect(fetches).toBe(1);
    expect(f.view).toMatchObject({ seq: 41, historyComplete: false });
    expect(f.view.snapshot.state).toBe('succeeded');
    f.dispose();
  });

  it('stops asking for a gap when a page brings nothing new', async () => {
    let fetches = 0;
    const { f, applied } = feed(async () => {
      if (++fetches > 5) throw new Error('asked too often');
      return [event('job_a', 1)]; // only what the view has already
    });
    f.receive(event('job_a', 1));
    f.receive(event('job_a', 3));
    await f.settled();
    expect(fetches).toBe(1);
    expect(applied()).toEqual([1]);
    f.dispose();
  });

  it('ignores events of other jobs', () => {
    const { f, applied } = feed();
    f.receive(event('job_b', 1));
    expect(applied()).toEqual([]);
  });
});
