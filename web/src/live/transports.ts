// The three ways to receive a job's events. The client prefers the WebSocket (one connection for
// every job, plus "my jobs"); when it cannot connect it falls back to SSE, then to long polling.

import { KilnHttp, HttpError } from './http';
import {
  closeCause,
  isJobEvent,
  isTerminal,
  parseServerMessage,
  shouldReconnect,
  statusCause,
  type FailureCause,
  type ServerMessage,
} from './protocol';

export type TransportKind = 'websocket' | 'sse' | 'polling';

export interface TransportHandlers {
  /**
   * The transport can take subscriptions now. {@code untested}: whether it works is not known yet
   * (SSE: a proxy may answer the session check yet refuse or cut event streams); it calls
   * {@link onWorking} once it has shown that it does.
   */
  onReady(untested?: boolean): void;
  /** An untested transport has shown that it works (SSE: a stream brought its first line). */
  onWorking?(): void;
  onMessage(message: ServerMessage): void;
  /**
   * The transport is gone; {@code reconnect} says whether trying again soon makes sense,
   * {@code cause} why, when it is more than a dropped connection, and {@code reached} whether the
   * server answered HTTP during the attempt: false when it got no answer or a 5xx (Kiln is down or
   * restarting, or the network is; for a job's request after the session check answered, only
   * none or a 503), omitted when it did (or cannot tell). Only an attempt that reached the server
   * and still did not work says that something blocks this transport.
   */
  onClosed(reconnect: boolean, reason: string, cause?: FailureCause, reached?: boolean): void;
  log(message: string): void;
}

/** A job to follow, and the last seq already applied (0 for its whole history). */
export interface Follow {
  id: string;
  after: number;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Follows jobs from after each one's {@code after}: every later event arrives as an 'event' message. */
  follow(jobs: Follow[]): void;
  unfollow(jobId: string): void;
  /**
   * Follows a job again from {@code after} once it has come back to life (a manual retry): SSE
   * and polling stop at a job's end, while a WebSocket subscription outlives it.
   */
  followAgain(job: Follow): void;
  /** "My jobs": only the WebSocket offers it; the others return false. */
  followMine(on: boolean): boolean;
  close(): void;
}

/** What the client needs of a WebSocket (the browser's fits; tests pass a fake). */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type TransportFactory = (handlers: TransportHandlers) => Transport;

/** Whether an HTTP status (0: no answer) came from a server that works: a 5xx is a Kiln that is down, or a proxy in front of one. */
function answered(status: number): boolean {
  return status !== 0 && status < 500;
}

/** Jobs per subscribe message: ~100 × 60 bytes stays well under the server's 16 KiB limit. */
const SUBSCRIBE_BATCH = 100;

export interface WebSocketTransportOptions {
  http: KilnHttp;
  /** Opens a socket; by default the browser's WebSocket to the API's origin. */
  open?: (url: string) => WebSocketLike;
  /** No message at all for this long means the connection is dead; default 35 s. */
  heartbeatTimeoutMs?: number;
}

export function webSocketTransport(options: WebSocketTransportOptions): TransportFactory {
  return (handlers) => new WebSocketTransport(options, handlers);
}

class WebSocketTransport implements Transport {
  readonly kind = 'websocket' as const;
  private socket: WebSocketLike | null = null;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly options: WebSocketTransportOptions,
    private readonly handlers: TransportHandlers,
  ) {
    void this.connect();
  }

  private async connect(): Promise<void> {
    let ticket: string;
    try {
      ticket = await this.options.http.ticket();
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 0;
      const reached = answered(status);
      this.end(!reached, `no ticket: ${String(error)}`, statusCause(status), reached);
      return;
    }
    if (this.closed) return;
    const url = streamUrl(this.options.http.baseUrl, ticket);
    const open = this.options.open ?? ((u: string) => new WebSocket(u) as unknown as WebSocketLike);
    let socket: WebSocketLike;
    try {
      socket = open(url);
    } catch (error) {
      this.end(true, `cannot open: ${String(error)}`);
      return;
    }
    this.socket = socket;
    this.armWatchdog();
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) =>
      this.end(
        shouldReconnect(event.code),
        `closed ${event.code} ${event.reason}`,
        closeCause(event.code) ?? undefined,
      );
    socket.onerror = () => this.handlers.log('websocket error');
  }

  private receive(data: unknown): void {
    this.armWatchdog();
    if (typeof data !== 'string') {
      this.handlers.log('ignored a non-text frame');
      return;
    }
    const parsed = parseServerMessage(data);
    if ('problem' in parsed) {
      this.handlers.log(`ignored a message: ${parsed.problem}`);
      return;
    }
    const message = parsed.message;
    if (message.type === 'ping') {
      this.send({ type: 'pong', ts: message.ts });
      return;
    }
    this.handlers.onMessage(message);
    if (message.type === 'welcome') {
      this.handlers.onReady();
    }
  }

  follow(jobs: Follow[]): void {
    // Batched: a page of many jobs resubscribes in a few messages, well inside the server's rate limit.
    for (let i = 0; i < jobs.length; i += SUBSCRIBE_BATCH) {
      this.send({ type: 'subscribe', jobs: jobs.slice(i, i + SUBSCRIBE_BATCH) });
    }
  }

  unfollow(jobId: string): void {
    this.send({ type: 'unsubscribe', jobs: [jobId] });
  }

  followAgain(): void {
    // Nothing to do: the subscription outlives the job's end, so a retry's events come by themselves.
  }

  followMine(on: boolean): boolean {
    this.send(on ? { type: 'subscribe', mine: true } : { type: 'unsubscribe', mine: true });
    return true;
  }

  close(): void {
    if (this.closed) return; // already ended (and the socket closed with its reason)
    this.closed = true;
    clearTimeout(this.watchdog);
    this.socket?.close(1000, 'bye');
  }

  private send(message: object): void {
    try {
      this.socket?.send(JSON.stringify(message));
    } catch (error) {
      this.handlers.log(`send failed: ${String(error)}`);
    }
  }

  private armWatchdog(): void {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      this.socket?.close(4000, 'heartbeat timeout');
      this.end(true, 'heartbeat timeout');
    }, this.options.heartbeatTimeoutMs ?? 35_000);
  }

  /** {@code reached}: true but for a ticket that got no answer; a socket closed before 'welcome' had a ticket, so Kiln answered. */
  private end(reconnect: boolean, reason: string, cause?: FailureCause, reached = true): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.watchdog);
    if (this.socket) {
      this.socket.onmessage = null;
      this.socket.onclose = null;
    }
    this.handlers.onClosed(reconnect, reason, cause, reached);
  }
}

function streamUrl(baseUrl: string, ticket: string): string {
  const origin = baseUrl || (typeof location !== 'undefined' ? location.origin : 'http://localhost');
  return `${origin.replace(/^http/, 'ws')}/api/v1/stream?ticket=${encodeURIComponent(ticket)}`;
}

/** One HTTP stream or poll loop per followed job, stopped by an AbortController. */
abstract class PerJobTransport implements Transport {
  abstract readonly kind: TransportKind;
  private readonly loops = new Map<string, AbortController>();
  private readonly checking = new AbortController();
  private closed = false;
  /** Whether it has shown that it works (see {@link TransportHandlers.onReady}). */
  protected working = false;
  /** Whether the session check shows that it works: so for polling, plain JSON GETs like it. */
  protected abstract readonly checkShowsWorking: boolean;

  constructor(
    protected readonly http: KilnHttp,
    protected readonly handlers: TransportHandlers,
  ) {
    void this.check();
  }

  /**
   * Ready once the server has answered, not before: else the badge said "open" (and "last synced"
   * moved) through an outage, and a transport that never worked never gave way to the next. No job
   * is handed over before then, so it asks who it is signed in as, the cheapest authenticated read.
   */
  private async check(): Promise<void> {
    let status = 0;
    try {
      const response = await this.http.fetch('/api/v1/session', {
        headers: { Accept: 'application/json' },
        signal: this.checking.signal,
      });
      if (response.ok) {
        if (this.closed) return;
        this.working = this.checkShowsWorking;
        this.handlers.onReady(!this.working);
        return;
      }
      status = response.status;
    } catch (error) {
      if (this.closed) return;
      this.handlers.log(`no answer: ${String(error)}`);
    }
    this.fail(`${this.kind} could not reach Kiln (${status || 'no answer'})`, statusCause(status), answered(status));
  }

  follow(jobs: Follow[]): void {
    jobs.forEach((job) => this.followOne(job.id, job.after));
  }

  private followOne(jobId: string, after: number): void {
    this.unfollow(jobId);
    const controller = new AbortController();
    this.loops.set(jobId, controller);
    const forget = () => {
      if (this.loops.get(jobId) === controller) this.loops.delete(jobId);
    };
    this.run(jobId, after, controller.signal)
      .then(forget)
      .catch((error: unknown) => {
        forget();
        if (controller.signal.aborted || this.closed) return;
        if (error instanceof HttpError && error.status === 404) {
          this.handlers.onMessage({ type: 'error', code: 'job_not_found', message: error.message, job: jobId });
          return;
        }
        const status = error instanceof HttpError ? error.status : 0;
        const cause = statusCause(status);
        // The session check has just answered, so any answer to the job's request reached Kiln (a
        // proxy's 502 to an event stream too), but for none at all or a 503 (Kiln draining). A
        // proxy may refuse event streams with a 403, as Kiln does after a role change: until this
        // transport has worked, the next one tells which.
        const reached = status !== 0 && status !== 503;
        const reconnect = cause === 'unreachable' || (cause === 'refused' && !this.working);
        this.fail(`${this.kind} failed for ${jobId}: ${String(error)}`, cause, reached, reconnect);
      });
  }

  /** The transport has shown that it works (once). */
  protected worked(): void {
    if (this.working || this.closed) return;
    this.working = true;
    this.handlers.onWorking?.();
  }

  unfollow(jobId: string): void {
    this.loops.get(jobId)?.abort();
    this.loops.delete(jobId);
  }

  followAgain(job: Follow): void {
    // Starts over even if a loop still runs: it may be about to take the end (204, or an empty
    // look) that the server answered before the retry.
    this.followOne(job.id, job.after);
  }

  followMine(): boolean {
    return false;
  }

  close(): void {
    this.closed = true;
    this.checking.abort();
    this.loops.forEach((controller) => controller.abort());
    this.loops.clear();
  }

  /** Delivers the job's events after {@code after} until its terminal event. */
  protected abstract run(jobId: string, after: number, signal: AbortSignal): Promise<void>;

  // Only a server that could not be reached is worth trying again soon: 401, 403 and 429 are
  // refusals that the next attempt gets too (docs/protocol.md, "The web app's connections").
  private fail(reason: string, cause: FailureCause, reached: boolean, reconnect = cause === 'unreachable'): void {
    if (this.closed) return;
    this.close();
    this.handlers.onClosed(reconnect, reason, cause, reached);
  }
}

export function sseTransport(http: KilnHttp): TransportFactory {
  return (handlers) => new SseTransport(http, handlers);
}

class SseTransport extends PerJobTransport {
  readonly kind = 'sse' as const;
  protected readonly checkShowsWorking = false;

  protected async run(jobId: string, after: number, signal: AbortSignal): Promise<void> {
    let last = after;
    let quietEnds = 0;
    for (;;) {
      const response = await this.http.fetch(`/api/v1/jobs/${encodeURIComponent(jobId)}/events`, {
        headers: { Accept: 'text/event-stream', 'Last-Event-ID': String(last) },
        signal,
      });
      if (response.status === 204) return; // finished, and we have all of it
      if (!response.ok || !response.body) {
        throw new HttpError(response.status, undefined, `SSE answered ${response.status}`);
      }
      // A proxy may answer with something else (its own page) or cut the stream before Kiln's first
      // line ("retry:"): SSE does not work through it, though the session check did.
      const type = response.headers.get('Content-Type') ?? '';
      if (!type.toLowerCase().startsWith('text/event-stream')) {
        throw new HttpError(response.status, undefined, `SSE answered ${response.status} ${type || 'untyped'}`);
      }
      let received = 0;
      let lines = 0;
      try {
        await readSse(
          response.body,
          (data) => {
            const event: unknown = JSON.parse(data);
            if (!isJobEvent(event)) {
              this.handlers.log('ignored a malformed SSE event');
              return;
            }
            received++;
            last = Math.max(last, event.seq);
            this.handlers.onMessage({ type: 'event', ...event });
          },
          () => {
            lines++;
            this.worked();
          },
        );
      } catch (error) {
        if (lines > 0 || signal.aborted) throw error;
        throw new HttpError(response.status, undefined, `SSE stream broke before its first line: ${String(error)}`);
      }
      if (lines === 0 && !this.working) throw new HttpError(response.status, undefined, 'SSE stream ended at once');
      // Resume from the last event. After a terminal event the server's answer settles it: 204 at
      // the job's real end, more events if it was retried. A stream that brought nothing (a proxy
      // cut it) is retried after a growing wait.
      quietEnds = received > 0 ? 0 : quietEnds + 1;
      if (quietEnds > 0) await delay(Math.min(30_000, 500 * 2 ** quietEnds), signal);
    }
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}

/** Reads an SSE body to its end, calling {@code onData} with each event's data and {@code onLine} for every line. */
async function readSse(
  body: ReadableStream<Uint8Array>,
  onData: (data: string) => void,
  onLine: () => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      onLine();
      if (line === '') {
        if (data.length > 0) onData(data.join('\n'));
        data = [];
      } else if (line.startsWith('data:')) {
        data.push(line.slice(5).replace(/^ /, ''));
      }
    }
  }
}

export function pollingTransport(http: KilnHttp): TransportFactory {
  return (handlers) => new PollingTransport(http, handlers);
}

class PollingTransport extends PerJobTransport {
  readonly kind = 'polling' as const;
  protected readonly checkShowsWorking = true;

  protected async run(jobId: string, after: number, signal: AbortSignal): Promise<void> {
    let next = after;
    let finished = false;
    for (;;) {
      // After a terminal event the job is done unless it was retried since: one look without waiting tells.
      const page = await this.http.events(jobId, next, finished ? { signal } : { wait: 25, signal });
      if (finished && page.items.length === 0) return;
      page.items.forEach((event) => this.handlers.onMessage({ type: 'event', ...event }));
      next = page.next;
      const last = page.items.at(-1);
      if (last) finished = isTerminal(last);
    }
  }
}
