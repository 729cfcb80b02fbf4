// The live client over its transports: SSE and polling against a fake Kiln, and the choice of
// transport (fallback, backoff, giving up) over scripted fakes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from './http';
import {
  FINISHED_LOOK_LIMIT,
  FINISHED_LOOK_MS,
  HIDDEN_CLOSE_MS,
  LiveClient,
  LOOK_TIMEOUT_MS,
  type JobViewState,
} from './liveClient';
import { event, FakeKiln, FakeSocket, flush, snapshot } from './testSupport';
import {
  pollingTransport,
  sseTransport,
  type Transport,
  type TransportFactory,
  type TransportKind,
} from './transports';

let kiln: FakeKiln;
let clients: LiveClient[];

function client(options: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}): LiveClient {
  const c = new LiveClient({
    http: new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch }),
    online: { isOnline: () => true, subscribe: () => () => {} },
    visibility: { isVisible: () => true, subscribe: () => () => {} },
    random: () => 0.5,
    log: () => {},
    ...options,
  });
  clients.push(c);
  return c;
}

beforeEach(() => {
  vi.useFakeTimers();
  kiln = new FakeKiln();
  clients = [];
  FakeSocket.opened = [];
});

afterEach(() => {
  clients.forEach((c) => c.dispose());
  vi.useRealTimers();
});

describe('LiveClient on SSE and polling', () => {
  it.each([
    ['sse', sseTransport],
    ['polling', pollingTransport],
  ])("follows a job again after a retry on %s, which stops at the job's end", async (_kind, transport) => {
    kiln.jobs.set('job_r', snapshot('job_r', 2, { state: 'failed' }));
    kiln.append(event('job_r', 1, 'state', { state: 'running', attempt: 1 }));
    kiln.append(event('job_r', 2, 'state', { state: 'failed', attempt: 1 }));
    const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
    const c = client({ transports: [transport(http)] });
    let latest: JobViewState | undefined;
    c.followJob('job_r', (s) => (latest = s));
    await vi.waitFor(() => expect(latest?.view?.seq).toBe(2));
    // It has all of the failed job and has stopped: SSE took a 204, polling an empty look.
    const eventRequests = () => kiln.requests.filter((r) => r.includes('/job_r/events')).length;
    await vi.waitFor(() => expect(eventRequests()).toBe(2));

    kiln.append(event('job_r', 3, 'state', { state: 'queued', attempt: 1, reason: 'retry' })); // the user's retry
    c.followAgain('job_r');
    kiln.append(event('job_r', 4, 'state', { state: 'running', attempt: 2 }));
    kiln.append(event('job_r', 5, 'state', { state: 'succeeded', attempt: 2 }));
    await vi.waitFor(() => expect(latest?.view?.snapshot.state).toBe('succeeded'));
    expect(latest?.view?.seq).toBe(5);
  });
});

describe('LiveClient on SSE and polling: a job retried elsewhere (another tab, the CLI, a batch)', () => {
  /** A tab whose own visibility the test sets: {@code hidden}, and {@code shown()} again. */
  let hidden: boolean;
  let onVisible: () => void;
  const visibility = {
    isVisible: () => !hidden,
    subscribe: (listener: () => void) => {
      onVisible = listener;
      return () => {};
    },
  };
  const shown = () => {
    hidden = false;
    onVisible();
  };
  beforeEach(() => (hidden = false));
  const http = () => new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
  /** The client's looks for a retry: one event after the view's seq, not waiting. */
  const looks = () => kiln.requests.filter((r) => /\/job_r\/events\?after=\d+&limit=1$/.test(r));
  const eventRequests = () => kiln.requests.filter((r) => r.includes('/job_r/events')).length;

  /** job_r failed; a client on {@code transports} follows it and has stopped at its end. */
  async function followedToItsEnd(
    transports: TransportFactory[],
    options: Partial<ConstructorParameters<typeof LiveClient>[0]> = {},
  ) {
    kiln.jobs.set('job_r', snapshot('job_r', 2, { state: 'failed' }));
    kiln.append(event('job_r', 1, 'state', { state: 'running', attempt: 1 }));
    kiln.append(event('job_r', 2, 'state', { state: 'failed', attempt: 1 }));
    const c = client({ transports, visibility, ...options });
    const seqs: number[] = [];
    let latest: JobViewState | undefined;
    const stop = c.followJob('job_r', (s) => {
      latest = s;
      if (s.view) seqs.push(s.view.seq);
    });
    await vi.waitFor(() => expect(latest?.view?.seq).toBe(2));
    await vi.waitFor(() => expect(eventRequests()).toBe(2)); // SSE took a 204, polling an empty look
    await flush();
    return { c, stop, seqs, latest: () => latest };
  }

  /** Retried elsewhere: its new attempt runs. */
  function retried() {
    kiln.append(
      event('job_r', 3, 'state', { state: 'queued', attempt: 1, reason: 'retry' }),
      event('job_r', 4, 'state', { state: 'running', attempt: 2 }),
      event('job_r', 5, 'partial', { n: 5 }),
    );
  }

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])('on %s, looks again after a while and follows the new attempt, each event once', async (_kind, transport) => {
    const { seqs, latest } = await followedToItsEnd([transport(http())]);
    retried();
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS - 1000);
    await flush();
    expect(eventRequests()).toBe(2); // not yet
    expect(latest()?.view?.snapshot.state).toBe('failed');

    await vi.advanceTimersByTimeAsync(1000);
    await vi.waitFor(() => expect(latest()?.view?.seq).toBe(5));
    expect(looks()).toEqual(['GET /api/v1/jobs/job_r/events?after=2&limit=1']);
    expect(latest()?.view?.snapshot).toMatchObject({ state: 'running', attempt: 2 });

    // The transport follows the job on, to the new attempt's end.
    kiln.append(event('job_r', 6, 'partial', { n: 6 }), event('job_r', 7, 'state', { state: 'succeeded', attempt: 2 }));
    await vi.advanceTimersByTimeAsync(5000); // SSE: the fake's stream ended after 5, and is resumed after a wait
    await vi.waitFor(() => expect(latest()?.view?.seq).toBe(7));
    expect(latest()?.view).toMatchObject({
      snapshot: { state: 'succeeded', attempt: 2 },
      partials: [{ n: 5 }, { n: 6 }],
    });
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]); // each change once, in order
    expect(looks()).toHaveLength(1);
  });

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])('on %s, looks at once when the tab is shown again', async (_kind, transport) => {
    const { seqs, latest } = await followedToItsEnd([transport(http())]);
    retried();
    shown();
    await vi.waitFor(() => expect(latest()?.view?.seq).toBe(5));
    expect(looks()).toHaveLength(1);
    expect(seqs).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])(
    'on %s, makes no timed look while the tab is hidden, and looks at once when it is shown',
    async (_kind, transport) => {
      const { seqs, latest } = await followedToItsEnd([transport(http())]);
      hidden = true;
      retried();
      await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS * 3);
      await flush();
      expect(looks()).toEqual([]);
      expect(eventRequests()).toBe(2);

      shown();
      await vi.waitFor(() => expect(latest()?.view?.seq).toBe(5));
      expect(looks()).toEqual(['GET /api/v1/jobs/job_r/events?after=2&limit=1']);
      expect(seqs).toEqual([0, 1, 2, 3, 4, 5]);
    },
  );

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])('on %s, a look that finds nothing new leaves the job be, and it looks again later', async (_kind, transport) => {
    const { latest } = await followedToItsEnd([transport(http())]);
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
    await flush();
    expect(looks()).toHaveLength(1);
    expect(eventRequests()).toBe(3); // the look alone: the transport was not started again
    retried();
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
    await vi.waitFor(() => expect(latest()?.view?.seq).toBe(5));
    expect(looks()).toHaveLength(2);
  });

  /** Looks (event requests with limit=1) get no answer at all, as over a half-open connection. */
  const looksHang = (url: URL) => url.searchParams.get('limit') === '1';

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])(
    'on %s, a look that never answers is given up after a while, quietly, and the next look finds the retry',
    async (_kind, transport) => {
      const logged: string[] = [];
      kiln.hang = looksHang;
      const { latest } = await followedToItsEnd([transport(http())], { log: (m) => logged.push(m) });
      await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
      await flush();
      expect(kiln.hung).toEqual([{ request: 'GET /api/v1/jobs/job_r/events?after=2&limit=1', aborted: false }]);

      kiln.hang = () => false;
      retried();
      await vi.advanceTimersByTimeAsync(LOOK_TIMEOUT_MS);
      await flush();
      expect(kiln.hung[0].aborted).toBe(true); // given up
      expect(looks()).toHaveLength(1); // and looked at again at the next look, not at once
      expect(latest()?.view?.snapshot.state).toBe('failed');

      await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS - LOOK_TIMEOUT_MS);
      await vi.waitFor(() => expect(latest()?.view?.seq).toBe(5));
      expect(looks()).toHaveLength(2);
      expect(latest()?.view?.snapshot).toMatchObject({ state: 'running', attempt: 2 });
      expect(latest()?.error).toBeUndefined(); // not gone
      expect(logged.filter((m) => m.includes('look'))).toEqual([]); // nothing wrong to tell
    },
  );

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])('on %s, a look under way is aborted when the transport is dropped', async (_kind, transport) => {
    const logged: string[] = [];
    let isOnline = true;
    let onlineChanged: (online: boolean) => void = () => {};
    const online = {
      isOnline: () => isOnline,
      subscribe: (listener: (online: boolean) => void) => {
        onlineChanged = listener;
        return () => {};
      },
    };
    kiln.hang = looksHang;
    const { c, latest } = await followedToItsEnd([transport(http())], { online, log: (m) => logged.push(m) });
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
    await flush();
    expect(kiln.hung).toEqual([{ request: 'GET /api/v1/jobs/job_r/events?after=2&limit=1', aborted: false }]);

    isOnline = false;
    onlineChanged(false); // the transport is dropped
    await flush();
    expect(c.connection.state).toBe('offline');
    expect(kiln.hung[0].aborted).toBe(true); // at once, not only after LOOK_TIMEOUT_MS

    // Back online, the job is looked at again at the next look of the new transport.
    kiln.hang = () => false;
    isOnline = true;
    onlineChanged(true);
    await vi.waitFor(() => expect(c.connection.state).toBe('open'));
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
    await flush();
    expect(looks()).toHaveLength(2);
    expect(latest()?.error).toBeUndefined();
    expect(logged.filter((m) => m.includes('look'))).toEqual([]);
  });

  it.each([
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])(
    'on %s, looks at no more than a few jobs at a time, each in turn (as the Ask page follows a long conversation)',
    async (_kind, transport) => {
      const ids = Array.from({ length: 25 }, (_, i) => `job_${String(i).padStart(2, '0')}`);
      for (const id of ids) {
        kiln.jobs.set(id, snapshot(id, 2, { state: 'failed' }));
        kiln.append(
          event(id, 1, 'state', { state: 'running', attempt: 1 }),
          event(id, 2, 'state', { state: 'failed', attempt: 1 }),
        );
      }
      const c = client({ transports: [transport(http())], visibility });
      const latest = new Map<string, JobViewState>();
      ids.forEach((id) => c.followJob(id, (s) => latest.set(id, s)));
      await vi.waitFor(() => expect(ids.filter((id) => latest.get(id)?.view?.seq === 2)).toEqual(ids));
      const allEventRequests = () => kiln.requests.filter((r) => /\/jobs\/job_\d+\/events/.test(r));
      await vi.waitFor(() => expect(allEventRequests()).toHaveLength(2 * ids.length)); // every one stopped at its end
      await flush();
      /** The jobs looked at, one per look, in order. */
      const looked = () =>
        kiln.requests.flatMap((r) => /\/jobs\/(job_\d+)\/events\?after=\d+&limit=1$/.exec(r)?.[1] ?? []);
      const rounds = Math.ceil(ids.length / FINISHED_LOOK_LIMIT);
      expect(FINISHED_LOOK_LIMIT).toBeLessThan(ids.length);
      async function nextLook() {
        const before = looked().length;
        await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
        await flush();
        expect(looked().length - before).toBeGreaterThan(0);
        expect(looked().length - before).toBeLessThanOrEqual(FINISHED_LOOK_LIMIT);
      }

      for (let i = 0; i < rounds; i++) await nextLook();
      expect(new Set(looked())).toEqual(new Set(ids)); // each of them, in ceil(25 / limit) looks

      // The job looked at last is retried: its turn comes again within as many looks.
      const last = looked().at(-1) ?? '';
      kiln.append(
        event(last, 3, 'state', { state: 'queued', attempt: 1, reason: 'retry' }),
        event(last, 4, 'state', { state: 'running', attempt: 2 }),
        event(last, 5, 'partial', { n: 5 }),
      );
      for (let i = 0; i < rounds; i++) await nextLook();
      await vi.waitFor(() => expect(latest.get(last)?.view?.seq).toBe(5));
      expect(latest.get(last)?.view?.snapshot).toMatchObject({ state: 'running', attempt: 2 });
      expect(ids.filter((id) => latest.get(id)?.view?.seq !== 2)).toEqual([last]);
    },
  );

  it('does not look at a job that has not ended', async () => {
    kiln.jobs.set('job_r', snapshot('job_r', 1));
    kiln.append(event('job_r', 1, 'state', { state: 'running', attempt: 1 }));
    const c = client({ transports: [pollingTransport(http())], visibility });
    let latest: JobViewState | undefined;
    c.followJob('job_r', (s) => (latest = s));
    await vi.waitFor(() => expect(latest?.view?.seq).toBe(1));
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS * 3);
    shown();
    await flush();
    expect(looks()).toEqual([]);
  });

  it("makes no look on the WebSocket, whose subscription outlives the job's end", async () => {
    kiln.jobs.set('job_r', snapshot('job_r', 2, { state: 'failed' }));
    const c = client({ openWebSocket: (url) => new FakeSocket(url), heartbeatTimeoutMs: 600_000, visibility });
    let latest: JobViewState | undefined;
    c.followJob('job_r', (s) => (latest = s));
    await flush();
    const socket = FakeSocket.last();
    socket.push({ type: 'welcome', user: 'ann', pingInterval: 25000 });
    await flush();
    socket.push({ type: 'event', ...event('job_r', 1, 'state', { state: 'running', attempt: 1 }) });
    socket.push({ type: 'event', ...event('job_r', 2, 'state', { state: 'failed', attempt: 1 }) });
    expect(latest?.view?.snapshot.state).toBe('failed');
    retried();
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS * 3);
    shown();
    await flush();
    expect(c.connection).toMatchObject({ state: 'open', transport: 'websocket' });
    expect(kiln.requests.filter((r) => r.includes('/events'))).toEqual([]);
  });

  it.each(['unfollowed', 'disposed'])('makes no look at a job once it is %s', async (how) => {
    const { c, stop, seqs } = await followedToItsEnd([sseTransport(http())]);
    if (how === 'unfollowed') stop();
    else c.dispose();
    retried();
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS * 3);
    shown();
    await flush();
    expect(eventRequests()).toBe(2);
    expect(seqs).toEqual([0, 1, 2]);
  });

  it('stops looking at a job deleted since, which it then says is gone', async () => {
    const { latest } = await followedToItsEnd([pollingTransport(http())]);
    kiln.jobs.delete('job_r');
    kiln.log.delete('job_r');
    kiln.refuseEvents = 404;
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS);
    await vi.waitFor(() => expect(latest()?.error).toBe('not_found'));
    await vi.advanceTimersByTimeAsync(FINISHED_LOOK_MS * 3);
    await flush();
    expect(looks()).toHaveLength(1);
  });
});

describe('LiveClient while Kiln is down', () => {
  /** Waits for the next attempt and lets it run. */
  async function nextAttempt(c: LiveClient): Promise<void> {
    await flush();
    await vi.advanceTimersByTimeAsync((c.connection.nextRetryAt ?? Date.now()) - Date.now());
    await flush();
  }

  it('never says open, and stays on the WebSocket (an outage is no reason to fall back), until Kiln answers', async () => {
    kiln.down = true;
    const c = client({ openWebSocket: (url) => new FakeSocket(url) }); // WebSocket, SSE, polling
    const states: string[] = [];
    c.onConnection(() => states.push(`${c.connection.state} ${c.connection.transport}`));
    for (let i = 0; i < 4; i++) await nextAttempt(c); // five ticket requests fail over 7.5 s, as while Kiln restarts
    expect(states.filter((s) => s.startsWith('open'))).toEqual([]);
    expect(c.connection).toMatchObject({ state: 'reconnecting', transport: 'websocket', lastSyncedAt: null });
    expect(kiln.requests.filter((r) => !r.includes('/stream/ticket'))).toEqual([]); // SSE and polling never tried

    kiln.down = false;
    await nextAttempt(c);
    FakeSocket.last().push({ type: 'welcome', user: 'ann', pingInterval: 25000 });
    expect(c.connection).toMatchObject({ state: 'open', transport: 'websocket' });
    expect(c.connection.lastSyncedAt).not.toBeNull();
  });

  it('falls back to SSE, not further, when a proxy refuses WebSockets once Kiln answers again', async () => {
    kiln.down = true;
    const c = client({
      openWebSocket: (url) => {
        const socket = new FakeSocket(url);
        queueMicrotask(() => socket.drop(1006)); // the proxy does not let the upgrade through
        return socket;
      },
    });
    for (let i = 0; i < 3; i++) await nextAttempt(c);
    expect(c.connection).toMatchObject({ state: 'reconnecting', transport: 'websocket' });

    kiln.down = false; // Kiln answers HTTP, but each WebSocket it gives a ticket for is refused
    for (let i = 0; i < 3 && c.connection.state !== 'open'; i++) await nextAttempt(c);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(c.connection).toMatchObject({ state: 'open', transport: 'sse' });
  });
});

describe('LiveClient behind a proxy that refuses event streams (the session check answers)', () => {
  const badGateway = () => new Response('Bad Gateway', { status: 502 });

  /** A WebSocket the proxy refuses too (SSE must be second for the client to call it SSE). */
  const refusedWebSocket: TransportFactory = (handlers) => {
    queueMicrotask(() => handlers.onClosed(true, 'websocket refused', undefined, true));
    return { kind: 'websocket', follow() {}, unfollow() {}, followAgain() {}, followMine: () => false, close() {} };
  };

  /**
   * A client that has fallen back from the WebSocket, its first SSE attempt under way, over the
   * fake Kiln; job_a runs (its stream stays open on Kiln; here it ends, and is resumed after a wait).
   */
  async function onSse(): Promise<{ c: LiveClient; latest: () => JobViewState | undefined }> {
    kiln.jobs.set('job_a', snapshot('job_a', 0));
    kiln.append(event('job_a', 1, 'state', { state: 'running', attempt: 1 }));
    const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
    const c = client({ maxFailures: 20, transports: [refusedWebSocket, sseTransport(http), pollingTransport(http)] });
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await nextAttempt(c);
    await nextAttempt(c);
    expect(c.connection.transport).toBe('sse');
    return { c, latest: () => latest };
  }

  /** Lets the current attempt run, then waits for the next one (at most 30 s, the longest backoff or SSE's resume wait). */
  async function nextAttempt(c: LiveClient): Promise<void> {
    await flush();
    await vi.advanceTimersByTimeAsync(Math.max(0, (c.connection.nextRetryAt ?? Date.now()) - Date.now()));
    await flush();
  }

  const sseRequests = () => kiln.requests.filter((r) => r.includes('/job_a/events') && !r.includes('after=')).length;

  it('falls back to polling after two SSE attempts that were answered 502, and delivers events', async () => {
    kiln.sseAnswer = badGateway;
    const { c, latest } = await onSse(); // SSE 1: refused (counts: one)
    expect(c.connection).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    expect(sseRequests()).toBe(1);
    kiln.append(event('job_a', 2, 'state', { state: 'succeeded', attempt: 1 })); // (so that polling stops)
    await nextAttempt(c); // SSE 2: refused (counts: two)
    expect(sseRequests()).toBe(2);
    await nextAttempt(c);
    await vi.waitFor(() => expect(latest()?.view).toMatchObject({ seq: 2, snapshot: { state: 'succeeded' } }));
    expect(c.connection).toMatchObject({ state: 'open', transport: 'polling' });
    expect(sseRequests()).toBe(2);
  });

  it('stays on SSE after a failure once a stream has worked: only attempts where none did count', async () => {
    kiln.sseAnswer = badGateway;
    const { c, latest } = await onSse(); // SSE 1: refused (counts: one)
    kiln.sseAnswer = null;
    await nextAttempt(c); // SSE 2: a stream works (the count starts again), ends after its event, is resumed...
    expect(c.connection).toMatchObject({ state: 'open', transport: 'sse' });
    expect(latest()?.view?.seq).toBe(1);
    kiln.sseAnswer = badGateway; // ...and now the proxy refuses it: no count, as a stream worked in this attempt
    await vi.advanceTimersByTimeAsync(1000); // SSE's wait before resuming a stream that brought nothing
    await flush();
    expect(c.connection).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    await nextAttempt(c); // SSE 3: refused (counts: one)
    expect(c.connection).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    kiln.append(event('job_a', 2, 'state', { state: 'succeeded', attempt: 1 })); // (so that polling stops)
    await nextAttempt(c); // SSE 4: refused (counts: two)
    await nextAttempt(c);
    await vi.waitFor(() => expect(c.connection).toMatchObject({ state: 'open', transport: 'polling' }));
  });

  it('is not walked down to polling by attempts that got no answer', async () => {
    kiln.sseAnswer = badGateway;
    const { c } = await onSse(); // SSE 1: refused (counts: one)
    kiln.down = true; // Kiln restarts: nothing answers
    for (let i = 0; i < 3; i++) await nextAttempt(c); // SSE 2-4
    kiln.down = false;
    kiln.sseAnswer = () => {
      throw new TypeError('connection reset'); // the session check is answered, the stream is not
    };
    for (let i = 0; i < 2; i++) await nextAttempt(c); // SSE 5-6
    expect(c.connection).toMatchObject({ state: 'reconnecting', transport: 'sse' });
    expect(kiln.requests.filter((r) => r.includes('after='))).toEqual([]); // never polled

    kiln.sseAnswer = badGateway; // and the proxy refuses SSE again: that counts (two)
    kiln.append(event('job_a', 2, 'state', { state: 'succeeded', attempt: 1 })); // (so that polling stops)
    await nextAttempt(c); // SSE 7
    await nextAttempt(c);
    await vi.waitFor(() => expect(c.connection).toMatchObject({ state: 'open', transport: 'polling' }));
  });
});

describe('LiveClient transports', () => {
  /** 'blocked': Kiln answers HTTP but this transport does not get through (a proxy); 'down': no answer at all. */
  type Outcome = 'works' | 'blocked' | 'down';

  function fake(kind: TransportKind, outcome: Outcome | (() => Outcome), attempts: string[]): TransportFactory {
    return (handlers) => {
      attempts.push(kind);
      const now = typeof outcome === 'function' ? outcome() : outcome;
      queueMicrotask(() =>
        now === 'works' ? handlers.onReady() : handlers.onClosed(true, `${kind} ${now}`, undefined, now === 'blocked'),
      );
      const transport: Transport = {
        kind,
        follow() {},
        unfollow() {},
        followAgain() {},
        followMine: () => false,
        close() {},
      };
      return transport;
    };
  }

  it('falls back from WebSocket to SSE to polling when they cannot connect while Kiln answers', async () => {
    const attempts: string[] = [];
    const c = client({
      transports: [
        fake('websocket', 'blocked', attempts),
        fake('sse', 'blocked', attempts),
        fake('polling', 'works', attempts),
      ],
    });
    for (let i = 0; i < 6; i++) {
      await flush();
      await vi.advanceTimersByTimeAsync(30_000);
    }
    expect(attempts).toEqual(['websocket', 'websocket', 'sse', 'sse', 'polling']);
    expect(c.connection.state).toBe('open');
    expect(c.connection.transport).toBe('polling');
  });

  it('gives up after too many failures in a row, with growing waits, until asked to retry', async () => {
    const attempts: string[] = [];
    const c = client({ maxFailures: 4, transports: [fake('websocket', 'down', attempts)] });
    const waits: number[] = [];
    await flush();
    while (c.connection.state === 'reconnecting') {
      const wait = (c.connection.nextRetryAt ?? 0) - Date.now();
      waits.push(wait);
      await vi.advanceTimersByTimeAsync(wait);
      await flush();
    }
    expect(c.connection.state).toBe('failed');
    expect(c.connection.cause).toBe('unreachable');
    expect(attempts).toHaveLength(4);
    expect(waits).toEqual([500, 1000, 2000]);

    c.retryNow();
    await flush();
    expect(attempts).toHaveLength(5);
  });

  it('after giving up, a quiet attempt goes on from the WebSocket to SSE (a proxy that blocks WebSockets)', async () => {
    const attempts: string[] = [];
    let down = true;
    const c = client({
      maxFailures: 3,
      transports: [
        fake('websocket', 'blocked', attempts), // the proxy never lets one through
        fake('sse', () => (down ? 'down' : 'works'), attempts),
        fake('polling', () => (down ? 'down' : 'works'), attempts),
      ],
    });
    await flush();
    while (c.connection.state === 'reconnecting') {
      await vi.advanceTimersByTimeAsync((c.connection.nextRetryAt ?? 0) - Date.now());
      await flush();
    }
    expect(c.connection.state).toBe('failed');
    expect(attempts).toEqual(['websocket', 'websocket', 'sse']);

    down = false; // the outage is over; the proxy still blocks WebSockets
    attempts.length = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(attempts).toEqual(['websocket', 'sse']);
    expect(c.connection).toMatchObject({ state: 'open', transport: 'sse' });
  });

  it('after giving up, a quiet attempt goes on from an SSE that was ready but whose stream a proxy refused', async () => {
    const attempts: string[] = [];
    let down = true;
    const sse: TransportFactory = (handlers) => {
      attempts.push('sse');
      const wasDown = down;
      queueMicrotask(() => {
        if (wasDown) return handlers.onClosed(true, 'sse down', undefined, false);
        handlers.onReady(true); // the session check is answered...
        queueMicrotask(() => handlers.onClosed(true, 'sse refused', undefined, true)); // ...the stream is not
      });
      return { kind: 'sse', follow() {}, unfollow() {}, followAgain() {}, followMine: () => false, close() {} };
    };
    const c = client({
      maxFailures: 3,
      transports: [
        fake('websocket', 'blocked', attempts),
        sse,
        fake('polling', () => (down ? 'down' : 'works'), attempts),
      ],
    });
    await flush();
    while (c.connection.state === 'reconnecting') {
      await vi.advanceTimersByTimeAsync((c.connection.nextRetryAt ?? 0) - Date.now());
      await flush();
    }
    expect(attempts).toEqual(['websocket', 'websocket', 'sse']);

    down = false;
    attempts.length = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(attempts).toEqual(['websocket', 'sse', 'polling']);
    expect(c.connection).toMatchObject({ state: 'open', transport: 'polling' });
  });

  it('after giving up during an outage, a quiet attempt that gets no answer tries only the WebSocket', async () => {
    const attempts: string[] = [];
    let down = true;
    const outcome = (): Outcome => (down ? 'down' : 'works');
    const c = client({
      maxFailures: 3,
      transports: [
        fake('websocket', outcome, attempts),
        fake('sse', outcome, attempts),
        fake('polling', outcome, attempts),
      ],
    });
    await flush();
    while (c.connection.state === 'reconnecting') {
      await vi.advanceTimersByTimeAsync((c.connection.nextRetryAt ?? 0) - Date.now());
      await flush();
    }
    expect(c.connection.state).toBe('failed');
    expect(attempts).toEqual(['websocket', 'websocket', 'websocket']);

    attempts.length = 0;
    await vi.advanceTimersByTimeAsync(60_000); // a quiet round while Kiln is still down
    await flush();
    expect(attempts).toEqual(['websocket']);
    expect(c.connection.state).toBe('failed');

    down = false;
    attempts.length = 0;
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(attempts).toEqual(['websocket']);
    expect(c.connection).toMatchObject({ state: 'open', transport: 'websocket' });
  });

  it('resets the backoff once a connection has stayed up', async () => {
    const attempts: string[] = [];
    let works = false;
    const flaky: TransportFactory = (handlers) => {
      attempts.push('websocket');
      const ok = works;
      queueMicrotask(() => (ok ? handlers.onReady() : handlers.onClosed(true, 'down')));
      return { kind: 'websocket', follow() {}, unfollow() {}, followAgain() {}, followMine: () => false, close() {} };
    };
    const c = client({ transports: [flaky], stableAfterMs: 10_000 });
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    expect(c.connection.failures).toBe(2);
    works = true;
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(c.connection.state).toBe('open');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(c.connection.failures).toBe(0);
  });

  it('given up and back online, starts from the WebSocket again: what made it fall back was on the network that went away', async () => {
    const attempts: string[] = [];
    let network: 'cafe' | 'home' | 'cafe-down' = 'cafe';
    let online = true;
    let listener: (o: boolean) => void = () => {};
    const c = client({
      online: { isOnline: () => online, subscribe: (l) => ((listener = l), () => {}) },
      maxFailures: 3,
      transports: [
        // the café proxy blocks WebSockets; at home they work
        fake('websocket', () => (network === 'home' ? 'works' : network === 'cafe' ? 'blocked' : 'down'), attempts),
        fake('sse', () => (network === 'cafe-down' ? 'down' : 'works'), attempts),
        fake('polling', () => 'works', attempts),
      ],
    });
    await flush();
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    network = 'cafe-down'; // Kiln unreachable now: SSE fails until the tab gives up
    while (c.connection.state === 'reconnecting') {
      await vi.advanceTimersByTimeAsync((c.connection.nextRetryAt ?? 0) - Date.now());
      await flush();
    }
    expect(c.connection.state).toBe('failed');
    expect(attempts).toEqual(['websocket', 'websocket', 'sse']);

    // The laptop is closed and opened at home.
    online = false;
    listener(false);
    expect(c.connection.state).toBe('offline');
    network = 'home';
    attempts.length = 0;
    online = true;
    listener(true);
    await flush();
    expect(c.connection.state).toBe('open');
    expect(attempts).toEqual(['websocket']);
  });
});

describe('LiveClient on SSE and polling in a tab that is hidden', () => {
  /** A document whose visibilityState the test sets, telling its listeners as a browser does. */
  class FakeDocument extends EventTarget {
    visibilityState: 'visible' | 'hidden' = 'visible';
    set(state: 'visible' | 'hidden') {
      this.visibilityState = state;
      this.dispatchEvent(new Event('visibilitychange'));
    }
  }
  let tab: FakeDocument;
  beforeEach(() => {
    tab = new FakeDocument();
    vi.stubGlobal('document', tab);
  });
  afterEach(() => vi.unstubAllGlobals());

  it.each([
    ['sse', sseTransport],
    ['polling', pollingTransport],
  ])(
    'on %s, stops asking once hidden a while, and shown again goes on from the last seq: nothing missed, nothing twice',
    async (_kind, transport) => {
      kiln.jobs.set('job_h', snapshot('job_h', 1));
      kiln.append(event('job_h', 1, 'state', { state: 'running', attempt: 1 }));
      const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
      // The client's own Page Visibility source, not a fake one: it reads the document above.
      const c = client({ transports: [transport(http)], visibility: undefined });
      const seqs: number[] = [];
      let latest: JobViewState | undefined;
      c.followJob('job_h', (s) => {
        latest = s;
        if (s.view) seqs.push(s.view.seq);
      });
      kiln.append(event('job_h', 2));
      await vi.waitFor(() => expect(latest?.view?.seq).toBe(2));

      tab.set('hidden');
      await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS);
      expect(c.connection.state).toBe('paused');
      await flush();
      const asked = kiln.requests.length;
      kiln.append(event('job_h', 3), event('job_h', 4)); // while nobody looks
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(kiln.requests.slice(asked)).toEqual([]);
      expect(latest?.view?.seq).toBe(2);

      tab.set('visible');
      await vi.waitFor(() => expect(latest?.view?.seq).toBe(4));
      expect(c.connection.state).toBe('open');
      expect(kiln.requests.slice(asked).some((r) => r.startsWith('GET /api/v1/jobs/job_h/events'))).toBe(true);
      expect(partialsOf(latest)).toEqual([2, 3, 4]);
      expect(seqs.filter((seq, i) => seqs.indexOf(seq) !== i)).toEqual([]); // no event applied twice
    },
  );
});

function partialsOf(state: JobViewState | undefined): number[] {
  return (state?.view?.partials ?? []).map((p) => (p as { n: number }).n);
}
