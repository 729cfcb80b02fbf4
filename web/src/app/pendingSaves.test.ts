import { describe, expect, it, vi } from 'vitest';
import {
  CorrectionStillSaving,
  holdDraft,
  savesSettled,
  sendDrafts,
  trackSave,
  UnsavedCorrection,
} from './pendingSaves';

function latch() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Whether {@link promise} has settled, after letting every pending callback run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 10; i++) await Promise.resolve();
  return done;
}

describe('pending saves', () => {
  it('are waited for, those started meanwhile too; other jobs do not wait for them', async () => {
    const first = latch();
    const second = latch();
    void trackSave('job_a', first.promise);
    const waiting = savesSettled('job_a');
    expect(await settled(savesSettled('job_b'))).toBe(true);
    void trackSave('job_a', second.promise);
    first.resolve();
    expect(await settled(waiting)).toBe(false);
    second.resolve();
    expect(await settled(waiting)).toBe(true);
    await waiting;
  });

  it('fail the wait when one failed; the next wait finds nothing pending', async () => {
    const save = latch();
    trackSave('job_a', save.promise).catch(() => undefined);
    const waiting = savesSettled('job_a');
    save.reject(new Error('Disk full.'));
    await expect(waiting).rejects.toBeInstanceOf(UnsavedCorrection);
    await expect(savesSettled('job_a')).resolves.toBeUndefined();
  });

  it('typed but not sent are sent when asked, those of that job only, until forgotten', () => {
    const sent: string[] = [];
    const forgetA = holdDraft('job_d', () => sent.push('a'));
    holdDraft('job_e', () => sent.push('e'));
    sendDrafts('job_d');
    expect(sent).toEqual(['a']);
    forgetA();
    sendDrafts('job_d');
    expect(sent).toEqual(['a']);
  });

  it('stop being waited for after the time limit: a save with no answer does not hold a download for good', async () => {
    vi.useFakeTimers();
    try {
      const save = latch();
      void trackSave('job_c', save.promise);
      const waiting = savesSettled('job_c', 30_000);
      const outcome = expect(waiting).rejects.toBeInstanceOf(CorrectionStillSaving);
      await vi.advanceTimersByTimeAsync(29_999);
      expect(await settled(waiting)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await outcome;
      save.resolve();
    } finally {
      vi.useRealTimers();
    }
  });
});
