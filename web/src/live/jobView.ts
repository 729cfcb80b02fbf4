// What a page shows of one job: its snapshot, kept current by folding events into it, and the
// partial results in order.

import type { JobEvent, JobSnapshot, JobState } from './protocol';

export interface JobView {
  snapshot: JobSnapshot;
  /** The last event applied. */
  seq: number;
  /** Partial results (e.g. transcript utterances), oldest first. */
  partials: unknown[];
  /** False when the server could not replay the job's history: earlier partials are missing. */
  historyComplete: boolean;
}

/** A view to be filled with the job's whole history (events from seq 1). */
export function viewFromStart(snapshot: JobSnapshot): JobView {
  return { snapshot, seq: 0, partials: [], historyComplete: true };
}

/** A view that starts at the snapshot, without earlier history. */
export function viewAtSnapshot(snapshot: JobSnapshot, partials: unknown[] = []): JobView {
  return { snapshot, seq: snapshot.seq, partials, historyComplete: false };
}

/**
 * The view with {@code event} applied; {@code event.seq} must be {@code view.seq + 1}. Events the
 * snapshot already reflects only contribute their partial results.
 */
export function applyEvent(view: JobView, event: JobEvent): JobView {
  // Each attempt starts its work over: the partial results shown are the current attempt's.
  const newAttempt = event.kind === 'state' && event.data.state === 'running' && event.data.cancelRequested !== true;
  const partials = newAttempt ? [] : event.kind === 'partial' ? [...view.partials, event.data] : view.partials;
  const snapshot = event.seq > view.snapshot.seq ? fold(view.snapshot, event) : view.snapshot;
  return { snapshot, seq: event.seq, partials, historyComplete: view.historyComplete };
}

/** The snapshot with one newer event folded in (what a list row and a job page both show). */
export function fold(snapshot: JobSnapshot, event: JobEvent): JobSnapshot {
  const next: JobSnapshot = { ...snapshot, seq: event.seq };
  if (event.kind === 'partial') return next;
  const data = event.data;
  switch (event.kind) {
    case 'state': {
      const state = data.state as JobState;
      next.state = state;
      next.cancelRequested = data.cancelRequested === true;
      if (typeof data.attempt === 'number') next.attempt = data.attempt;
      if (state === 'running' && data.cancelRequested !== true) {
        next.startedAt = event.ts;
        next.progress = 0;
        next.stage = undefined;
        next.error = undefined;
      }
      if (state === 'queued') {
        next.progress = 0;
        next.stage = undefined;
        if (data.reason === 'retry') {
          next.error = undefined;
          next.result = undefined;
          next.finishedAt = undefined;
        }
      }
      next.retryAt = state === 'retry_scheduled' && typeof data.retryAt === 'string' ? data.retryAt : undefined;
      if (state === 'succeeded' || state === 'failed' || state === 'cancelled') {
        next.finishedAt = event.ts;
        next.stage = undefined;
        next.eta = undefined;
        next.cancelRequested = false;
      }
      if (state === 'succeeded') next.progress = 1;
      return next;
    }
    case 'progress':
      if (typeof data.progress === 'number') next.progress = data.progress;
      next.stage = typeof data.stage === 'string' ? data.stage : undefined;
      next.eta = typeof data.eta === 'string' ? data.eta : undefined;
      return next;
    case 'error':
      next.error = {
        code: String(data.code),
        message: String(data.message),
        retryable: data.retryable === true,
      };
      return next;
    case 'result':
      next.result = { href: String(data.href), size: Number(data.size) };
      return next;
  }
}
