// Fakes for the live client's tests: a scriptable WebSocket, an in-memory Kiln over fetch.

import type { JobEvent, JobSnapshot } from './protocol';
import type { WebSocketLike } from './transports';

export class FakeSocket implements WebSocketLike {
  static opened: FakeSocket[] = [];
  readonly sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  closedWith: number | null = null;

  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }

  static last(): FakeSocket {
    const socket = FakeSocket.opened.at(-1);
    if (!socket) throw new Error('no socket opened');
    return socket;
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(code = 1000): void {
    this.closedWith = code;
  }

  /** The server sends a message (an object, or raw text). */
  push(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  /** The connection drops or the server closes it. */
  drop(code = 1006, reason = ''): void {
    this.onclose?.({ code, reason });
  }

  subscriptions(): unknown[] {
    return this.sent.filter((m) => (m as { type: string }).type === 'subscribe');
  }
}

export function snapshot(id: string, seq: number, change: Partial<JobSnapshot> = {}): JobSnapshot {
  return {
    id,
    type: 'transcribe',
    state: 'running',
    cancelRequested: false,
    progress: 0,
    seq,
    attempt: 1,
    maxAttempts: 3,
    priority: 0,
    createdAt: '2026-11-23T10:00:00Z',
    input: { fileId: 'file_x' },
    params: {},
    ...change,
  };
}

export function event(
  job: string,
  seq: number,
  kind: JobEvent['kind'] = 'partial',
  data: unknown = { n: seq },
): JobEvent {
  return { job, seq, kind, data, ts: `2026-11-23T10:00:${String(seq % 60).padStart(2, '0')}Z` } as JobEvent;
}

/** An in-memory Kiln answering the client's HTTP calls. */
export class FakeKiln {
  readonly jobs = new Map<string, JobSnapshot>();
  readonly log = new Map<string, JobEvent[]>();
  readonly requests: string[] = [];
  ticketsIssued = 0;
  failTickets = false;
  /** Snapshot requests answer 500 this many times first. */
  failSnapshots = 0;
  /** Event-page requests fail this many times first. */
  failEventPages = 0;
  /** An SSE response carries at most this many events, then ends (as when a client falls behind). */
  ssePageSize = Infinity;
  /** No request gets through (the server or the network is down). */
  down = false;
  /** Every request gets this status instead, as from a proxy in front of a Kiln that is down (502, 503). */
  proxyStatus: number | null = null;
  /** Event requests (SSE and pages) answer this status instead, e.g. 401 once signed out. */
  refuseEvents: number | null = null;
  /** SSE requests get this instead of Kiln's stream, as from a proxy that refuses or cuts event streams; it may throw (no answer). */
  sseAnswer: (() => Response) | null = null;
  /** Holds a job list's answer until the promise it returns settles; undefined answers at once. */
  holdList: (query: URLSearchParams) => Promise<void> | undefined = () => undefined;
  /**
   * Requests it matches never answer, as over a half-open connection (each is aborted as fetch is);
   * {@link hung} has them.
   */
  hang: (url: URL) => boolean = () => false;
  /** The requests hung so far (see {@link hang}), with whether each has been aborted. */
  readonly hung: { request: string; aborted: boolean }[] = [];
  /** Long polls waiting for an event: each is woken by the next append (or its wait running out). */
  private readonly polls = new Set<() => void>();

  fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), 'http://kiln.test');
    this.requests.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    if (this.down) throw new TypeError('network down');
    if (this.hang(url)) return this.hangUp(this.requests.at(-1) ?? '', init?.signal);
    if (this.proxyStatus !== null) return new Response('Bad Gateway', { status: this.proxyStatus });
    if (url.pathname === '/api/v1/session') return json({ user: { id: 'user_ann' }, via: 'token' });
    if (url.pathname === '/api/v1/stream/ticket') {
      if (this.failTickets) throw new TypeError('network down');
      this.ticketsIssued++;
      return json({ ticket: `wst_${this.ticketsIssued}`, expiresIn: 30 });
    }
    const events = url.pathname.match(/^\/api\/v1\/jobs\/([^/]+)\/events$/);
    const accept = new Headers(init?.headers).get('Accept') ?? '';
    if (events && this.refuseEvents !== null) return json({ code: 'refused', detail: 'No.' }, this.refuseEvents);
    if (events && accept.includes('text/event-stream')) {
      if (this.sseAnswer) return this.sseAnswer();
      return this.sse(events[1], Number(new Headers(init?.headers).get('Last-Event-ID') ?? 0));
    }
    if (events) {
      if (this.failEventPages > 0) {
        this.failEventPages--;
        throw new TypeError('network hiccup');
      }
      const after = Number(url.searchParams.get('after') ?? 0);
      const pending = () => (this.log.get(events[1]) ?? []).filter((e) => e.seq > after);
      const wait = Number(url.searchParams.get('wait') ?? 0);
      if (pending().length === 0 && wait > 0) await this.poll(wait * 1000, init?.signal);
      const items = pending();
      return json({ items, next: items.at(-1)?.seq ?? after });
    }
    if (url.pathname === '/api/v1/jobs') {
      await this.holdList(url.searchParams);
      const state = url.searchParams.get('state');
      const items = [...this.jobs.values()].reverse().filter((job) => !state || job.state === state);
      return json({ items, nextCursor: null });
    }
    const job = url.pathname.match(/^\/api\/v1\/jobs\/([^/]+)$/);
    if (job) {
      if (this.failSnapshots > 0) {
        this.failSnapshots--;
        return json({ code: 'database_unavailable', detail: 'Try again.' }, 503);
      }
      const found = this.jobs.get(job[1]);
      return found ? json(found) : json({ code: 'job_not_found', detail: 'No job.' }, 404);
    }
    return json({ code: 'not_found', detail: 'No such resource.' }, 404);
  };

  /** As Kiln: 204 when the job is final and seen to its end; else its events, ending after the real end. */
  private sse(jobId: string, after: number): Response {
    const log = this.log.get(jobId) ?? [];
    const last = log.at(-1);
    const finished =
      last !== undefined &&
      last.kind === 'state' &&
      ['succeeded', 'failed', 'cancelled'].includes(String(last.data.state));
    if (finished && after === last.seq) return new Response(null, { status: 204 });
    const items = log.filter((e) => e.seq > after).slice(0, this.ssePageSize);
    const text =
      [
        'retry: 3000',
        '',
        ...items.flatMap((e) => [`id: ${e.seq}`, `event: ${e.kind}`, `data: ${JSON.stringify(e)}`, '']),
      ].join('\n') + '\n';
    return new Response(text, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
  }

  /** No answer, ever: only an abort ends it, as fetch rejects then. */
  private hangUp(request: string, signal?: AbortSignal | null): Promise<Response> {
    const hung = { request, aborted: false };
    this.hung.push(hung);
    return new Promise((_resolve, reject) => {
      const abort = () => {
        hung.aborted = true;
        reject(new DOMException('aborted', 'AbortError'));
      };
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }

  /** As Kiln's long poll: answers once an event is appended or {@code ms} have passed; aborted as fetch is. */
  private poll(ms: number, signal?: AbortSignal | null): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.polls.delete(done);
        signal?.removeEventListener('abort', done);
        if (signal?.aborted) reject(new DOMException('aborted', 'AbortError'));
        else resolve();
      };
      const timer = setTimeout(done, ms);
      this.polls.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  /** Adds events to a job's log (and moves its snapshot's seq). */
  append(...events: JobEvent[]): void {
    for (const e of events) {
      const log = this.log.get(e.job) ?? [];
      log.push(e);
      this.log.set(e.job, log);
    }
    [...this.polls].forEach((wake) => wake());
  }
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** The real setTimeout, taken before a test installs fake timers. */
const realSetTimeout = globalThis.setTimeout;

/**
 * Lets every queued promise run (fake timers do not advance them): a macrotask runs only once the
 * microtask queue is empty, however long the chains in it are.
 */
export function flush(): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, 0));
}
