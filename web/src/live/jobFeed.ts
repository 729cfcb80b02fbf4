// One job's events, applied exactly once and in seq order, whatever order and how many times
// they arrive in: duplicates are dropped, early arrivals wait, and a gap is filled over HTTP.

import { applyEvent, type JobView } from './jobView';
import type { JobEvent } from './protocol';

export type FetchEvents = (jobId: string, after: number) => Promise<JobEvent[]>;

/** Waits between attempts to fetch a gap that could not be filled yet. */
const GAP_RETRY_MS = [250, 500, 1000, 2000, 5000, 10_000];

export class JobFeed {
  private current: JobView;
  private readonly early = new Map<number, JobEvent>();
  private filling: Promise<void> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private disposed = false;

  constructor(
    readonly jobId: string,
    view: JobView,
    private readonly fetchEvents: FetchEvents,
    private readonly onChange: (view: JobView) => void,
    private readonly onProblem: (problem: string) => void = () => {},
  ) {
    this.current = view;
  }

  get view(): JobView {
    return this.current;
  }

  /** Replaces the view (a fresh snapshot after the server could not replay). */
  reset(view: JobView): void {
    this.early.clear();
    this.current = view;
    this.onChange(view);
  }

  receive(event: JobEvent): void {
    if (this.disposed || event.job !== this.jobId || event.seq <= this.current.seq) {
      return; // gone, someone else's, or seen already (at-least-once on the wire)
    }
    this.early.set(event.seq, event);
    this.drain();
    this.fillIfNeeded();
  }

  /** Stops any retry; the feed takes nothing more. */
  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.early.clear();
  }

  private fillIfNeeded(): void {
    if (this.disposed || this.early.size === 0 || this.filling !== null) return;
    clearTimeout(this.retryTimer);
    this.filling = this.fillGap().finally(() => {
      this.filling = null;
      this.drain();
      if (this.early.size > 0 && !this.disposed) {
        // Still a gap (the fetch failed or the events were not there yet): try again later, so
        // a view whose last event arrived early is never left stuck.
        const wait = GAP_RETRY_MS[Math.min(this.retries++, GAP_RETRY_MS.length - 1)];
        this.retryTimer = setTimeout(() => this.fillIfNeeded(), wait);
      } else {
        this.retries = 0;
      }
    });
  }

  /** Waits for any gap-filling in progress (for tests and orderly shutdown). */
  settled(): Promise<void> {
    return this.filling ?? Promise.resolve();
  }

  private drain(): void {
    let next = this.early.get(this.current.seq + 1);
    let changed = false;
    while (next !== undefined) {
      this.early.delete(next.seq);
      this.current = applyEvent(this.current, next);
      changed = true;
      next = this.early.get(this.current.seq + 1);
    }
    for (const seq of this.early.keys()) {
      if (seq <= this.current.seq) this.early.delete(seq);
    }
    if (changed) {
      this.onChange(this.current);
    }
  }

  private async fillGap(): Promise<void> {
    while (this.early.size > 0 && !this.early.has(this.current.seq + 1)) {
      const before = this.current.seq;
      let missing: JobEvent[];
      try {
        missing = await this.fetchEvents(this.jobId, before);
      } catch (error) {
        this.onProblem(`could not fetch missing events: ${String(error)}`);
        return;
      }
      const later = missing.filter((event) => event.seq > this.current.seq);
      if (this.disposed || later.length === 0 || this.current.seq < before) {
        return; // nothing new (not there yet), or a reset moved the view back: the retry timer asks again
      }
      later.forEach((event) => this.early.set(event.seq, event));
      this.skipTrimmed(Math.min(...later.map((event) => event.seq)));
      this.drain();
    }
  }

  /**
   * An HTTP page holds every event after the seq asked for, oldest first: seqs below its first
   * do not exist (retention trimmed a finished job's log), so the view moves past them, and the
   * partials they held are gone.
   */
  private skipTrimmed(firstSeq: number): void {
    if (firstSeq > this.current.seq + 1) {
      this.current = { ...this.current, seq: firstSeq - 1, historyComplete: false };
    }
  }
}
