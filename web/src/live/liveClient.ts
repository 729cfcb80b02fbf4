// The live client: one connection to Kiln that keeps every followed job current through drops,
// reloads and restarts, and tells the UI honestly how current it is.

import { Backoff } from './backoff';
import { browserOnline, browserVisibility, type OnlineSource, type VisibilitySource } from './browser';
import type { ConnectionInfo, ConnectionState, JobViewState, LiveClientOptions } from './clientTypes';
import { errorMessage, KilnHttp, HttpError } from './http';
import { JobFeed } from './jobFeed';
import { viewAtSnapshot, viewFromStart } from './jobView';
import { FINAL_STATES, type FailureCause, type JobEvent, type ServerMessage } from './protocol';
import {
  pollingTransport,
  sseTransport,
  webSocketTransport,
  type Transport,
  type TransportFactory,
  type TransportKind,
} from './transports';

export type { OnlineSource, VisibilitySource } from './browser';
export type { ConnectionInfo, ConnectionState, JobViewState, LiveClientOptions } from './clientTypes';

/**
 * On SSE and polling, how often a followed job whose view has reached its end is looked at again
 * (one request that does not wait) for a retry made elsewhere: another tab, the CLI, a batch's
 * retry-failed. Nothing else tells the tab there ("my jobs" events are WebSocket only). 15 s: a
 * retry shows within that (its attempt queues first, so little of it is missed), for one short
 * request per finished job that a page follows (a job page follows one), a third of the rate at
 * which a list refreshes itself there (one request per list every 5 s); and a tab shown again
 * looks at once, so the wait is mostly felt by a tab already in view. A hidden tab makes no timed
 * look.
 */
export const FINISHED_LOOK_MS = 15_000;

/**
 * At most this many jobs are looked at per look (see {@link FINISHED_LOOK_MS}), those looked at
 * least recently first, so each of n is looked at within ceil(n / 10) looks. The Ask page follows
 * every answer of a conversation: unbounded, a long one made a request per answer every 15 s. 10
 * covers a job page and most conversations in every look, and holds a tab to 40 timed looks a
 * minute, a fifteenth of one user's default request budget (`kiln.limits.requests`, 600 a minute,
 * shared by all of their tabs).
 */
export const FINISHED_LOOK_LIMIT = 10;

/**
 * A look (see {@link FINISHED_LOOK_MS}) that has no answer after this long is given up (aborted),
 * and the job is looked at again at a later look: KilnHttp has no timeout, and a look that never
 * settled (a half-open connection) kept the job from ever being looked at again. 10 s: a look is
 * one short request that does not wait, so Kiln answers it in well under a second even when busy,
 * and it is under {@link FINISHED_LOOK_MS}, so a look given up is made again at the very next one.
 */
export const LOOK_TIMEOUT_MS = 10_000;

/**
 * A tab hidden this long closes its connection (WebSocket, SSE stream or long poll) and every timer
 * that would open one: a tab left in the background for hours held a connection, and one of the
 * user's stream slots, that nobody looked at. Shown again, it connects at once and resumes every job
 * from its last seq, as after a drop, so nothing is missed or applied twice. 60 s: switching away
 * for a moment (another tab, a call) keeps the connection, and the page is live on return.
 */
export const HIDDEN_CLOSE_MS = 60_000;

/** A "my jobs" follower: its events, and the ids of its jobs deleted (if it cares). */
interface MineListener {
  event: (event: JobEvent) => void;
  deleted?: (jobId: string) => void;
}

interface Followed {
  feed: JobFeed | null;
  state: JobViewState;
  listeners: Set<(state: JobViewState) => void>;
  /** A pending retry of loading the snapshot. */
  retry?: ReturnType<typeof setTimeout>;
  /** A look for a retry (see {@link FINISHED_LOOK_MS}) under way; aborted when given up or the transport is dropped. */
  look?: AbortController;
  /** When it was last looked at, in looks made by the client (0: never); the least recent go first. */
  lookedAt: number;
  /**
   * The job's last seq when its snapshot was read, or the last one "my jobs" was told if later: its
   * follow replays the log from the start, and what came up to there is history, or already told, not
   * news for "my jobs" (which has no replay).
   */
  knownSeq?: number;
}

export class LiveClient {
  readonly http: KilnHttp;
  private readonly factories: TransportFactory[];
  private readonly maxFailures: number;
  private readonly fallbackAfter: number;
  private readonly stableAfterMs: number;
  private readonly online: OnlineSource;
  private readonly visibility: VisibilitySource;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private readonly backoff: Backoff;
  private readonly followed = new Map<string, Followed>();
  private readonly mineListeners = new Set<MineListener>();
  private readonly connectionListeners = new Set<() => void>();
  private readonly stopWatchingOnline: () => void;
  private readonly stopWatchingVisibility: () => void;
  private readonly backgroundRetryMs: [number, number];
  private readonly random: () => number;
  private transport: Transport | null = null;
  private transportIndex = 0;
  private transportReady = false;
  /** Whether the transport has shown that it works: at ready, but for SSE only once a stream has. */
  private transportWorked = false;
  /** Whether this attempt is a quiet one (after giving up), until its transport works. */
  private quietAttempt = false;
  private unreadyFailures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stableTimer: ReturnType<typeof setTimeout> | undefined;
  /** Jobs looked at so far, which orders the looks (see {@link Followed.lookedAt}). */
  private jobsLookedAt = 0;
  /** Looks again at finished jobs, while SSE or polling is ready (and the tab is visible). */
  private lookTimer: ReturnType<typeof setInterval> | undefined;
  /** Closes the connection once the tab has stayed hidden {@link HIDDEN_CLOSE_MS}. */
  private hiddenTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * The tab has stayed hidden {@link HIDDEN_CLOSE_MS}: until it is shown, whatever would connect
   * (the browser back online, a retry timer) pauses instead.
   */
  private pauseDue = false;
  /** The state the pause replaced: shown again, a tab that had given up ('failed') still has. */
  private pausedFrom: ConnectionState | null = null;
  private disposed = false;
  private info: ConnectionInfo;

  constructor(options: LiveClientOptions) {
    this.http = options.http;
    this.factories = options.transports ?? [
      webSocketTransport({
        http: options.http,
        open: options.openWebSocket,
        heartbeatTimeoutMs: options.heartbeatTimeoutMs,
      }),
      sseTransport(options.http),
      pollingTransport(options.http),
    ];
    this.maxFailures = options.maxFailures ?? 8;
    this.fallbackAfter = options.fallbackAfter ?? 2;
    this.stableAfterMs = options.stableAfterMs ?? 10_000;
    this.online = options.online ?? browserOnline;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((message) => console.debug(`[kiln live] ${message}`));
    this.backoff = new Backoff({ random: options.random });
    this.backgroundRetryMs = options.backgroundRetryMs ?? [30_000, 60_000];
    this.random = options.random ?? Math.random;
    this.info = {
      state: 'connecting',
      transport: 'websocket',
      failures: 0,
      nextRetryAt: null,
      lastSyncedAt: null,
      reason: null,
      cause: null,
    };
    this.visibility = options.visibility ?? browserVisibility;
    this.stopWatchingVisibility = this.visibility.subscribe(
      () => this.becameVisible(),
      () => this.becameHidden(),
    );
    if (!this.visibility.isVisible()) this.becameHidden(); // opened in a background tab
    this.stopWatchingOnline = this.online.subscribe((isOnline) => (isOnline ? this.cameOnline() : this.wentOffline()));
    if (this.online.isOnline()) {
      this.connect();
    } else {
      this.setInfo({ state: 'offline' });
    }
  }

  /** The connection as the UI should show it; the same object until something changes. */
  get connection(): ConnectionInfo {
    return this.info;
  }

  onConnection(listener: () => void): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  /**
   * Follows a job, with its whole history of partial results; {@code listener} hears every
   * change. Returns the function that stops following.
   */
  followJob(jobId: string, listener: (state: JobViewState) => void): () => void {
    let entry = this.followed.get(jobId);
    if (!entry) {
      entry = { feed: null, state: {}, listeners: new Set(), lookedAt: 0 };
      this.followed.set(jobId, entry);
      void this.load(jobId, entry);
    }
    entry.listeners.add(listener);
    if (entry.state.view || entry.state.error) listener(entry.state);
    return () => {
      const current = this.followed.get(jobId);
      if (!current) return;
      current.listeners.delete(listener);
      if (current.listeners.size === 0) {
        this.followed.delete(jobId);
        clearTimeout(current.retry);
        current.look?.abort();
        current.feed?.dispose();
        if (this.transportReady) this.transport?.unfollow(jobId);
      }
    };
  }

  /**
   * Follows a job again from what its view has, once it has come back to life (the user retried
   * it): SSE and polling stop following a job at its end. Before the transport is ready, there is
   * nothing to do: it resumes every job when it is.
   */
  followAgain(jobId: string): void {
    const feed = this.followed.get(jobId)?.feed;
    if (feed && this.transportReady) this.transport?.followAgain({ id: jobId, after: feed.view.seq });
  }

  /**
   * Events of every job you own, for list views (WebSocket only; see {@link followsMine});
   * {@code deleted} hears the id of each of them deleted (whether or not it is also followed).
   */
  followMine(listener: (event: JobEvent) => void, deleted?: (jobId: string) => void): () => void {
    const entry: MineListener = { event: listener, deleted };
    this.mineListeners.add(entry);
    if (this.mineListeners.size === 1 && this.transportReady) this.transport?.followMine(true);
    return () => {
      this.mineListeners.delete(entry);
      if (this.mineListeners.size === 0 && this.transportReady) this.transport?.followMine(false);
    };
  }

  /**
   * Whether the tab has stayed hidden {@link HIDDEN_CLOSE_MS} (and is not shown yet): the connection is
   * paused, or will be as soon as the browser is online again. Pages make no timed reads then.
   */
  get paused(): boolean {
    return this.pauseDue;
  }

  /** Whether "my jobs" events flow now; when not, list views refresh themselves. */
  get followsMine(): boolean {
    return this.transportReady && this.transport?.kind === 'websocket';
  }

  /** Starts over now: after 'failed', or when the user asks for it. */
  retryNow(): void {
    if (this.disposed) return;
    clearTimeout(this.retryTimer);
    this.backoff.reset();
    this.transportIndex = 0;
    this.unreadyFailures = 0;
    this.dropTransport();
    this.connect();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    clearTimeout(this.hiddenTimer);
    this.stopWatchingOnline();
    this.stopWatchingVisibility();
    this.dropTransport();
    this.followed.forEach((entry) => {
      clearTimeout(entry.retry);
      entry.look?.abort();
      entry.feed?.dispose();
    });
    this.followed.clear();
  }

  private async load(jobId: string, entry: Followed, attempt = 0): Promise<void> {
    try {
      const snapshot = await this.http.job(jobId);
      if (this.followed.get(jobId) !== entry || this.disposed) return;
      entry.knownSeq = Math.max(entry.knownSeq ?? 0, snapshot.seq);
      entry.feed = new JobFeed(
        jobId,
        viewFromStart(snapshot),
        (id, after) => this.http.events(id, after).then((page) => page.items),
        (view) => this.publish(entry, { view }),
        (problem) => this.log(problem),
      );
      this.publish(entry, { view: entry.feed.view });
      if (this.transportReady) this.transport?.follow([{ id: jobId, after: entry.feed.view.seq }]);
    } catch (error) {
      if (this.followed.get(jobId) !== entry || this.disposed) return;
      if (error instanceof HttpError && error.status === 404) {
        this.publish(entry, { error: 'not_found' });
        return;
      }
      // Not an answer about the job (network, server busy): keep trying, less and less often.
      this.publish(entry, { error: errorMessage(error) });
      entry.retry = setTimeout(() => void this.load(jobId, entry, attempt + 1), Math.min(30_000, 1000 * 2 ** attempt));
    }
  }

  private publish(entry: Followed, state: JobViewState): void {
    entry.state = state;
    entry.listeners.forEach((listener) => listener(state));
  }

  /** Opens the current transport; {@code quiet} (an attempt after giving up) leaves the state 'failed' until it works. */
  private connect(quiet = false): void {
    if (this.disposed) return;
    if (this.pauseDue) {
      this.enterPause(); // hidden long enough: no connection until the tab is shown
      return;
    }
    this.dropTransport(); // never two at once
    clearTimeout(this.retryTimer);
    const factory = this.factories[this.transportIndex];
    const kind = this.transportKind(this.transportIndex);
    const state = this.info.lastSyncedAt === null && this.backoff.attempts === 0 ? 'connecting' : 'reconnecting';
    this.setInfo({ ...(quiet ? {} : { state }), transport: kind, nextRetryAt: null });
    this.transportReady = false;
    this.transportWorked = false;
    this.quietAttempt = quiet;
    let transport: Transport | null = null;
    transport = factory({
      onReady: (untested) => transport === this.transport && this.ready(untested === true),
      onWorking: () => transport === this.transport && this.worked(),
      onMessage: (message) => transport === this.transport && this.receive(message),
      onClosed: (reconnect, reason, cause, reached) =>
        transport === this.transport && this.lost(reconnect, reason, cause, reached),
      log: (message) => this.log(`${kind}: ${message}`),
    });
    this.transport = transport;
  }

  private transportKind(index: number): TransportKind {
    return (['websocket', 'sse', 'polling'] as const)[Math.min(index, 2)];
  }

  private ready(untested: boolean): void {
    this.transportReady = true;
    if (!untested) this.worked();
    this.setInfo({
      state: 'open',
      failures: this.backoff.attempts,
      lastSyncedAt: this.now(),
      reason: null,
      cause: null,
    });
    // Resume every job from what it has: the server replays what was missed.
    const resume = [...this.followed].flatMap(([id, entry]) =>
      entry.feed ? [{ id, after: entry.feed.view.seq }] : [],
    );
    if (resume.length > 0) this.transport?.follow(resume);
    if (this.mineListeners.size > 0) this.transport?.followMine(true);
    clearInterval(this.lookTimer);
    if (this.transport?.kind !== 'websocket') {
      // Not while the tab is hidden: nobody sees what a look finds, and the tab looks when shown.
      this.lookTimer = setInterval(() => {
        if (this.visibility.isVisible()) this.lookForRetries();
      }, FINISHED_LOOK_MS);
    }
    clearTimeout(this.stableTimer);
    this.stableTimer = setTimeout(() => {
      this.backoff.reset();
      this.setInfo({ failures: 0 });
    }, this.stableAfterMs);
  }

  private worked(): void {
    this.transportWorked = true;
    this.quietAttempt = false;
    this.unreadyFailures = 0;
  }

  private receive(message: ServerMessage): void {
    this.setInfo({ lastSyncedAt: this.now() });
    switch (message.type) {
      case 'event': {
        const { type: _type, ...event } = message;
        void _type;
        const followed = this.followed.get(event.job);
        followed?.feed?.receive(event);
        if (event.seq > (followed?.knownSeq ?? 0)) {
          this.mineListeners.forEach((listener) => listener.event(event));
          // Told once: the follow may replay it (it came before the follow was registered).
          if (followed) followed.knownSeq = event.seq;
        }
        return;
      }
      case 'deleted':
        this.mineListeners.forEach((listener) => listener.deleted?.(message.job));
        return;
      case 'snapshot': {
        // The server could not replay from our seq: start again from its snapshot.
        const entry = this.followed.get(message.job.id);
        if (entry?.feed) entry.feed.reset(viewAtSnapshot(message.job, entry.feed.view.partials));
        return;
      }
      case 'error': {
        if (message.job && message.code === 'job_not_found') {
          const entry = this.followed.get(message.job);
          if (entry) this.publish(entry, { error: 'not_found' });
        } else {
          this.log(`server error ${message.code}: ${message.message}`);
        }
        return;
      }
      default:
        return;
    }
  }

  /** {@code reached}: whether the server answered HTTP during the attempt (unknown counts as yes). */
  private lost(reconnect: boolean, reason: string, cause?: FailureCause, reached = true): void {
    const everWorked = this.transportWorked;
    // An attempt after giving up: connect(true) left the state, which an untested transport's
    // ready (SSE before any stream) may have changed since.
    const quiet = this.info.state === 'failed' || this.quietAttempt;
    this.dropTransport();
    clearTimeout(this.stableTimer);
    if (this.disposed) return;
    if (!this.online.isOnline()) {
      this.setInfo({ state: 'offline', reason });
      return;
    }
    if (!reconnect) {
      this.giveUp(reason, cause ?? 'refused');
      return;
    }
    if (quiet) {
      this.quietAttemptFailed(reason, cause, reached);
      return;
    }
    // Falling back is for a transport that something blocks (a proxy refusing WebSockets) while
    // Kiln answers. A failure that got no answer at all (Kiln restarting) says nothing about the
    // transport and does not count: else a short restart walked the tab down to polling for good.
    // Ready is not enough: SSE is ready once the session check answers, while a proxy may still
    // refuse or cut every event stream. With no job to follow it has nothing to fail with, so stays.
    if (
      !everWorked &&
      reached &&
      ++this.unreadyFailures >= this.fallbackAfter &&
      this.transportIndex < this.factories.length - 1
    ) {
      this.transportIndex++;
      this.unreadyFailures = 0;
      this.log(`falling back to ${this.transportKind(this.transportIndex)}`);
    }
    const delay = this.backoff.next();
    if (this.backoff.attempts >= this.maxFailures) {
      this.giveUp(reason, cause ?? 'unreachable');
      return;
    }
    this.setInfo({ state: 'reconnecting', failures: this.backoff.attempts, reason, nextRetryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /**
   * 'failed': the user is told why, and one quiet attempt is made every 30–60 s (spread, so that
   * many tabs do not come back together), and at once when the browser is online again or the
   * tab is shown.
   */
  private giveUp(reason: string, cause: FailureCause): void {
    const [min, max] = this.backgroundRetryMs;
    const delay = Math.round(min + (max - min) * this.random());
    this.setInfo({ state: 'failed', failures: this.backoff.attempts, reason, cause, nextRetryAt: this.now() + delay });
    this.retryTimer = setTimeout(() => this.retryInBackground(), delay);
  }

  private retryInBackground(): void {
    if (this.disposed || this.info.state !== 'failed') return;
    // The best transport first: whatever made us fall back may be gone. If it fails, the next.
    this.transportIndex = 0;
    this.unreadyFailures = 0;
    this.connect(true);
  }

  /**
   * A quiet attempt could not connect. If Kiln answered, something blocks that transport: the
   * next one is tried at once (else a tab behind a proxy that blocks WebSockets tried only the
   * WebSocket after giving up once, and never came back on SSE). If Kiln did not answer, or after
   * the last transport, the client waits for the next round, which starts from the WebSocket again.
   */
  private quietAttemptFailed(reason: string, cause: FailureCause | undefined, reached: boolean): void {
    if (reached && this.transportIndex < this.factories.length - 1) {
      this.transportIndex++;
      this.log(`quietly trying ${this.transportKind(this.transportIndex)}`);
      this.connect(true);
    } else {
      this.giveUp(reason, cause ?? 'unreachable');
    }
  }

  private becameVisible(): void {
    clearTimeout(this.hiddenTimer);
    this.pauseDue = false;
    const pausedFrom = this.pausedFrom;
    this.pausedFrom = null;
    if (this.info.state === 'paused' && pausedFrom === 'failed') {
      // It had given up: it still has, with its cause and advice, and makes its quiet round at once.
      this.setInfo({ state: 'failed' });
      this.retryInBackground();
    } else if (this.info.state === 'paused') {
      // Connect as after a drop, with a fresh count of failures; once ready, every job resumes from its last seq.
      this.backoff.reset();
      this.connect();
    } else if (this.info.state === 'failed') this.retryInBackground();
    else this.lookForRetries();
  }

  private becameHidden(): void {
    clearTimeout(this.hiddenTimer);
    this.hiddenTimer = setTimeout(() => this.pause(), HIDDEN_CLOSE_MS);
  }

  /** Hidden long enough: closes the connection and stops trying to open one (see {@link HIDDEN_CLOSE_MS}). */
  private pause(): void {
    if (this.disposed || this.visibility.isVisible()) return;
    this.pauseDue = true;
    // Offline: nothing to close; back online while still hidden, connect() pauses instead.
    if (this.info.state !== 'offline') this.enterPause();
  }

  private enterPause(): void {
    if (this.info.state !== 'paused') this.pausedFrom ??= this.info.state;
    clearTimeout(this.retryTimer);
    clearTimeout(this.stableTimer);
    this.dropTransport();
    this.setInfo({ state: 'paused', nextRetryAt: null });
  }

  /**
   * On SSE and polling, which stop following a job at its end: one look without waiting at each
   * followed job whose view has reached its end, up to {@link FINISHED_LOOK_LIMIT} of them, those
   * looked at least recently first; where it was retried since (it has events past its end), the
   * job is followed again from the view's seq, as {@link followAgain} does.
   */
  private lookForRetries(): void {
    if (!this.transportReady || !this.transport || this.transport.kind === 'websocket') return;
    const due = [...this.followed]
      .flatMap(([jobId, entry]) => {
        const view = entry.feed?.view;
        // At its end: finished, and caught up with the snapshot (not still replaying its history).
        const ended = view !== undefined && FINAL_STATES.has(view.snapshot.state) && view.seq >= view.snapshot.seq;
        return ended && !entry.look && !entry.state.error ? [{ jobId, entry, after: view.seq }] : [];
      })
      .sort((a, b) => a.entry.lookedAt - b.entry.lookedAt) // stable: those never looked at in the order followed
      .slice(0, FINISHED_LOOK_LIMIT);
    due.forEach(({ jobId, entry, after }) => this.lookAt(jobId, entry, after));
  }

  private lookAt(jobId: string, entry: Followed, after: number): void {
    const look = new AbortController();
    entry.look = look;
    entry.lookedAt = ++this.jobsLookedAt;
    // No answer in time: given up, quietly (nothing is wrong with the job), and made again at a later look.
    const giveUp = setTimeout(() => entry.look === look && this.endLook(entry), LOOK_TIMEOUT_MS);
    this.http
      .events(jobId, after, { limit: 1, signal: look.signal })
      .then((page) => {
        if (!look.signal.aborted && page.items.length > 0) this.followAgain(jobId);
      })
      .catch((error: unknown) => {
        if (look.signal.aborted) return; // given up, the transport dropped, unfollowed: not an error
        if (error instanceof HttpError && error.status === 404) {
          // Deleted since: as the transport tells it (and no more looks at it).
          this.receive({ type: 'error', code: 'job_not_found', message: error.message, job: jobId });
          return;
        }
        this.log(`could not look for a retry of ${jobId}: ${String(error)}`); // again at its next turn
      })
      .finally(() => {
        clearTimeout(giveUp);
        if (entry.look === look) entry.look = undefined;
      });
  }

  /**
   * Aborts the job's look under way, if any, and lets it be looked at again at once (not only once
   * the request has settled: a fetch need not heed its signal).
   */
  private endLook(entry: Followed): void {
    entry.look?.abort();
    entry.look = undefined;
  }

  private wentOffline(): void {
    clearTimeout(this.retryTimer);
    this.dropTransport();
    this.setInfo({ state: 'offline', nextRetryAt: null });
  }

  /**
   * Back from 'offline', whatever it was before (reconnecting, or given up: 'failed'), it connects as
   * after a drop with a fresh count of failures, as a paused tab does when shown: the failures counted
   * before were on the network that went away, and with the old count one failed attempt (the network
   * not quite back yet) gave up again for 30–60 s, or fell back from the WebSocket. It starts from the
   * WebSocket, as a round after giving up does: what made it fall back was on that network too. Once ready,
   * every job resumes from its last seq.
   */
  private cameOnline(): void {
    if (this.info.state === 'offline') {
      this.backoff.reset();
      this.transportIndex = 0;
      this.unreadyFailures = 0;
      this.connect();
    } else if (this.info.state === 'reconnecting') {
      this.connect();
    } else if (this.info.state === 'failed') {
      this.retryInBackground();
    }
  }

  private dropTransport(): void {
    const transport = this.transport;
    this.transport = null;
    this.transportReady = false;
    clearInterval(this.lookTimer);
    // Looks belong to the transport that was ready (they are made for it): the next one looks again.
    this.followed.forEach((entry) => this.endLook(entry));
    transport?.close();
  }

  private setInfo(change: Partial<ConnectionInfo>): void {
    const next = { ...this.info, ...change };
    const same = (Object.keys(next) as (keyof ConnectionInfo)[]).every((key) => next[key] === this.info[key]);
    if (same) return;
    this.info = next;
    this.connectionListeners.forEach((listener) => listener());
  }
}
