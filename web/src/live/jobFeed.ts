// One job's events, applied exactly once and in seq order, whatever order and how many times
// they arrive in: duplicates are dropped, early arrivals wait, and a gap is filled over HTTP.

import { applyEvent, type JobView } from './jobView';
import type { JobEvent } from './protocol';

export type FetchEvents = (jobId: string, after: number) => Promise<JobEvent[]>;

export class JobFeed {
  private current: JobView;
  private readonly early = new Map<number, JobEvent>();
  private filling: Promise<void> | null = null;

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
    if (event.job !== this.jobId || event.seq <= this.current.seq) {
      return; // someone else's, or seen already (at-least-once on the wire)
    }
    this.early.set(event.seq, event);
    this.drain();
    if (this.early.size > 0 && this.filling === null) {
      this.filling = this.fillGap().finally(() => {
        this.filling = null;
        this.drain();
      });
    }
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
      let missing: JobEvent[];
      try {
        missing = await this.fetchEvents(this.jobId, this.current.seq);
      } catch (error) {
        this.onProblem(`could not fetch missing events: ${String(error)}`);
        return;
      }
      if (missing.length === 0) {
        return; // the events are not there yet; the next arrival tries again
      }
      for (const event of missing) {
        if (event.seq > this.current.seq) this.early.set(event.seq, event);
      }
      this.drain();
    }
  }
}
