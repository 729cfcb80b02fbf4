import { describe, expect, it } from 'vitest';
import { applyEvent, viewFromStart } from './jobView';
import { event, snapshot } from './testSupport';

describe('jobView', () => {
  it('shows the partial results of the current attempt only: a retried or restarted job does not double them', () => {
    const history = [
      event('job_a', 1, 'state', { state: 'queued', attempt: 0 }),
      event('job_a', 2, 'state', { state: 'running', attempt: 1 }),
      event('job_a', 3, 'partial', { text: 'one' }),
      event('job_a', 4, 'partial', { text: 'two' }),
      event('job_a', 5, 'state', { state: 'queued', attempt: 0, reason: 'released' }),
      event('job_a', 6, 'state', { state: 'running', attempt: 1 }),
      event('job_a', 7, 'partial', { text: 'one' }),
      event('job_a', 8, 'state', { state: 'running', attempt: 1, cancelRequested: true }),
      event('job_a', 9, 'partial', { text: 'two' }),
      event('job_a', 10, 'partial', [3, 4]),
    ];

    const view = history.reduce(applyEvent, viewFromStart(snapshot('job_a', 10, { state: 'running' })));

    expect(view.partials).toEqual([{ text: 'one' }, { text: 'two' }, [3, 4]]);
    expect(view.seq).toBe(10);
  });

  it('keeps the processor ETA while running and drops it at the end', () => {
    let view = viewFromStart(snapshot('job_b', 0, { state: 'queued' }));
    view = applyEvent(view, event('job_b', 1, 'state', { state: 'running', attempt: 1 }));
    view = applyEvent(
      view,
      event('job_b', 2, 'progress', { progress: 0.5, stage: 'transcribing', eta: '2026-11-23T10:00:00Z' }),
    );
    expect(view.snapshot.eta).toBe('2026-11-23T10:00:00Z');
    view = applyEvent(view, event('job_b', 3, 'state', { state: 'succeeded', attempt: 1 }));
    expect(view.snapshot.eta).toBeUndefined();
  });
});
