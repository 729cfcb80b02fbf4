import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from './http';
import { HIDDEN_CLOSE_MS, LiveClient, type JobViewState, type OnlineSource } from './liveClient';
import { event, FakeKiln, FakeSocket, flush, snapshot } from './testSupport';

class Network implements OnlineSource {
  private listeners = new Set<(online: boolean) => void>();
  constructor(private online = true) {}
  isOnline = () => this.online;
  subscribe(listener: (online: boolean) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(online: boolean) {
    this.online = online;
    this.listeners.forEach((l) => l(online));
  }
}

let kiln: FakeKiln;
let logs: string[];
let clients: LiveClient[];

function client(options: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}): LiveClient {
  const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
  const c = new LiveClient({
    http,
    openWebSocket: (url) => new FakeSocket(url),
    online: new Network(),
    random: () => 0.5,
    log: (m) => logs.push(m),
    ...options,
  });
  clients.push(c);
  return c;
}

function partialsOf(state: JobViewState | undefined): number[] {
  return (state?.view?.partials ?? []).map((p) => (p as { n: number }).n);
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.opened = [];
  kiln = new FakeKiln();
  logs = [];
  clients = [];
  kiln.jobs.set('job_a', snapshot('job_a', 2));
  kiln.append(event('job_a', 1), event('job_a', 2));
});

afterEach(() => {
  clients.forEach((c) => c.dispose());
  vi.useRealTimers();
});

async function connected(c: LiveClient): Promise<FakeSocket> {
  await flush();
  const socket = FakeSocket.last();
  socket.push({ type: 'welcome', user: 'ann', pingInterval: 25000 });
  expect(c.connection.state).toBe('open');
  return socket;
}

describe('LiveClient', () => {
  it('opens with a ticket, follows a job from its start and applies its events', async () => {
    const c = client();
    expect(c.connection.state).toBe('connecting');
    const socket = await connected(c);
    expect(socket.url).toBe('ws://kiln.test/api/v1/stream?ticket=wst_1');
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();

    expect(socket.subscriptions()).toEqual([{ type: 'subscribe', jobs: [{ id: 'job_a', after: 0 }] }]);
    socket.push({ type: 'subscribed', job: 'job_a', recovered: true });
    [1, 2, 3].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));
    expect(partialsOf(latest)).toEqual([1, 2, 3]);
    expect(latest?.view?.seq).toBe(3);
    expect(c.connection.lastSyncedAt).not.toBeNull();
  });

  it('reconnects after a drop with backoff and resumes every job from its last seq', async () => {
    const c = client();
    let socket = await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    [1, 2, 3, 4].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));

    socket.drop(1006);
    expect(c.connection.state).toBe('reconnecting');
    expect(c.connection.nextRetryAt).not.toBeNull();
    expect(FakeSocket.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    socket = await connected(c);

    expect(FakeSocket.opened).toHaveLength(2);
    expect(socket.subscriptions()).toEqual([{ type: 'subscribe', jobs: [{ id: 'job_a', after: 4 }] }]);
    [4, 5].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));
    expect(partialsOf(latest)).toEqual([1, 2, 3, 4, 5]);
  });

  it('tells "my jobs" only what a followed job does after its snapshot, not the history its follow replays', async () => {
    kiln.jobs.set('job_a', snapshot('job_a', 2, { state: 'succeeded' }));
    const c = client();
    const socket = await connected(c);
    const mine: number[] = [];
    c.followMine((e) => mine.push(e.seq));
    c.followJob('job_a', () => undefined);
    await flush();
    socket.push({ type: 'event', ...event('job_a', 1, 'state', { state: 'running', attempt: 1 }) });
    socket.push({ type: 'event', ...event('job_a', 2, 'state', { state: 'succeeded', attempt: 1 }) });
    expect(mine).toEqual([]);
    socket.push({ type: 'event', ...event('job_a', 3, 'state', { state: 'queued', attempt: 1 }) });
    socket.push({ type: 'event', ...event('job_b', 7, 'state', { state: 'succeeded', attempt: 1 }) });
    expect(mine).toEqual([3, 7]);
  });

  it('tells "my jobs" an event once when it came before the follow, which replays it', async () => {
    kiln.jobs.set('job_a', snapshot('job_a', 2, { state: 'succeeded' }));
    kiln.append(event('job_a', 3, 'state', { state: 'queued', attempt: 1 }));
    const c = client();
    const socket = await connected(c);
    const mine: number[] = [];
    c.followMine((e) => mine.push(e.seq));
    c.followJob('job_a', () => undefined);
    await flush();
    // Sent to "my jobs" after the snapshot was read, before the follow was registered; then the follow replays it.
    socket.push({ type: 'event', ...event('job_a', 3, 'state', { state: 'queued', attempt: 1 }) });
    [1, 2, 3].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));
    await flush();
    expect(mine).toEqual([3]);
  });

  it('tells "my jobs" an event once when it came while the snapshot, read before it, was on its way', async () => {
    kiln.jobs.set('job_a', snapshot('job_a', 2, { state: 'succeeded' }));
    kiln.append(event('job_a', 3, 'state', { state: 'queued', attempt: 1 }));
    const c = client();
    const socket = await connected(c);
    const mine: number[] = [];
    c.followMine((e) => mine.push(e.seq));
    c.followJob('job_a', () => undefined);
    socket.push({ type: 'event', ...event('job_a', 3, 'state', { state: 'queued', attempt: 1 }) });
    await flush();
    [1, 2, 3].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));
    await flush();
    expect(mine).toEqual([3]);
  });

  it('fills a gap over HTTP when an event arrives early', async () => {
    kiln.append(event('job_a', 3), event('job_a', 4));
    const c = client();
    const socket = await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    socket.push({ type: 'event', ...event('job_a', 1) });
    socket.push({ type: 'event', ...event('job_a', 5) });
    await flush();
    await flush();
    expect(kiln.requests).toContain('GET /api/v1/jobs/job_a/events?after=1&limit=1000');
    expect(partialsOf(latest)).toEqual([1, 2, 3, 4, 5]);
  });

  it('answers pings, and reconnects when the server falls silent', async () => {
    const c = client();
    const socket = await connected(c);
    socket.push({ type: 'ping', ts: 42 });
    expect(socket.sent).toContainEqual({ type: 'pong', ts: 42 });

    await vi.advanceTimersByTimeAsync(34_999);
    expect(c.connection.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith).toBe(4000);
    expect(c.connection.state).toBe('reconnecting');
    expect(c.connection.reason).toBe('heartbeat timeout');
  });

  it('ignores malformed and unknown messages without breaking', async () => {
    const c = client();
    const socket = await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    socket.push('{broken');
    socket.push({ type: 'telepathy' });
    socket.push({ type: 'event', job: 'job_a', seq: 'one', kind: 'partial', data: {}, ts: 'x' });
    socket.onmessage?.({ data: new Uint8Array([1]) });
    socket.push({ type: 'event', ...event('job_a', 1) });

    expect(logs.filter((l) => l.includes('ignored'))).toHaveLength(4);
    expect(partialsOf(latest)).toEqual([1]);
    expect(c.connection.state).toBe('open');
  });

  it('takes a fresh snapshot when the server cannot replay', async () => {
    const c = client();
    const socket = await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    socket.push({ type: 'subscribed', job: 'job_a', recovered: false });
    socket.push({ type: 'snapshot', job: snapshot('job_a', 9, { state: 'succeeded', progress: 1 }) });

    expect(latest?.view?.seq).toBe(9);
    expect(latest?.view?.snapshot.state).toBe('succeeded');
    expect(latest?.view?.historyComplete).toBe(false);
  });

  it('reports a job that is not there', async () => {
    const c = client();
    await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_missing', (s) => (latest = s));
    await flush();
    expect(latest?.error).toBe('not_found');
  });

  it('stops after a close it must not retry, says why, and starts over when asked', async () => {
    const c = client();
    const socket = await connected(c);
    socket.drop(4001, 'not authenticated');
    expect(c.connection.state).toBe('failed');
    expect(c.connection.cause).toBe('signed_out');
    await vi.advanceTimersByTimeAsync(29_000);
    expect(FakeSocket.opened).toHaveLength(1);

    c.retryNow();
    await connected(c);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(c.connection.cause).toBeNull();
  });

  it('after giving up, tries quietly every 30 to 60 s, spread at random', async () => {
    const c = client({ random: () => 0.25 });
    (await connected(c)).drop(4008, 'too many connections');
    expect(c.connection).toMatchObject({ state: 'failed', cause: 'too_many_connections' });
    expect(c.connection.nextRetryAt).toBe(Date.now() + 37_500);

    await vi.advanceTimersByTimeAsync(37_499);
    expect(FakeSocket.opened).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(FakeSocket.opened).toHaveLength(2);
    expect(c.connection.state).toBe('failed'); // quiet: the badge keeps saying why until it works
    FakeSocket.last().drop(4008, 'still too many');
    expect(c.connection).toMatchObject({ state: 'failed', cause: 'too_many_connections' });

    await vi.advanceTimersByTimeAsync(37_500);
    await connected(c);
    expect(FakeSocket.opened).toHaveLength(3);
    expect(c.connection.cause).toBeNull();
  });

  it('after giving up, tries at once when the browser is back online or the tab is shown', async () => {
    const network = new Network(true);
    const shown = new Set<() => void>();
    const c = client({
      online: network,
      visibility: {
        isVisible: () => true,
        subscribe: (listener) => {
          shown.add(listener);
          return () => shown.delete(listener);
        },
      },
    });
    (await connected(c)).drop(4008);
    expect(c.connection.state).toBe('failed');

    network.set(true);
    await flush();
    expect(FakeSocket.opened).toHaveLength(2);
    FakeSocket.last().drop(4008);
    expect(c.connection.state).toBe('failed');

    shown.forEach((listener) => listener());
    await connected(c);
    expect(FakeSocket.opened).toHaveLength(3);
  });

  it('back online after giving up and going offline, starts a fresh count and resumes every job from its last seq', async () => {
    const network = new Network(true);
    const c = client({ online: network, maxFailures: 2 });
    const socket = await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    [1, 2, 3].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    await flush();
    FakeSocket.last().drop(1006); // the second failure in a row: given up
    expect(c.connection.state).toBe('failed');

    network.set(false);
    expect(c.connection.state).toBe('offline');
    network.set(true);
    await flush();
    expect(FakeSocket.opened).toHaveLength(3);
    // The network is not quite back: one failure is a drop like any, not a reason to give up again.
    FakeSocket.last().drop(1006);
    expect(c.connection.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    const again = await connected(c);
    expect(FakeSocket.opened).toHaveLength(4); // still the WebSocket: no fall back to SSE
    expect(again.subscriptions()).toEqual([{ type: 'subscribe', jobs: [{ id: 'job_a', after: 3 }] }]);
    [3, 4].forEach((seq) => again.push({ type: 'event', ...event('job_a', seq) }));
    expect(partialsOf(latest)).toEqual([1, 2, 3, 4]);
  });

  it('never has two sockets when the network returns mid-reconnect', async () => {
    const network = new Network(true);
    const c = client({ online: network });
    const first = await connected(c);
    first.drop(1006);
    expect(c.connection.state).toBe('reconnecting');
    network.set(true); // the browser says online again while a retry is pending
    await flush();
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    expect(FakeSocket.opened).toHaveLength(2);
    await connected(c);
    expect(FakeSocket.opened).toHaveLength(2);
  });

  it('resubscribes many jobs in a few messages', async () => {
    for (let i = 0; i < 250; i++) kiln.jobs.set(`job_${i}`, snapshot(`job_${i}`, 0));
    const c = client();
    let socket = await connected(c);
    for (let i = 0; i < 250; i++) c.followJob(`job_${i}`, () => {});
    await flush();
    await flush();
    socket.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    socket = await connected(c);

    expect(socket.subscriptions()).toHaveLength(3);
    const ids = socket.subscriptions().flatMap((m) => (m as { jobs: { id: string }[] }).jobs.map((j) => j.id));
    expect(new Set(ids).size).toBe(250);
  });

  it('keeps trying to load a job the server could not answer for', async () => {
    kiln.failSnapshots = 2;
    const c = client();
    await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    expect(latest?.error).toBe('Try again.'); // the problem's words, not "Error: Try again."
    await vi.advanceTimersByTimeAsync(1000);
    await flush();
    await vi.advanceTimersByTimeAsync(2000);
    await flush();
    expect(latest?.error).toBeUndefined();
    expect(latest?.view?.snapshot.id).toBe('job_a');
  });

  it('goes offline with the browser and back when it returns', async () => {
    const network = new Network(false);
    const c = client({ online: network });
    await flush();
    expect(c.connection.state).toBe('offline');
    expect(FakeSocket.opened).toHaveLength(0);

    network.set(true);
    await connected(c);
    network.set(false);
    expect(c.connection.state).toBe('offline');
    expect(FakeSocket.last().closedWith).toBe(1000);
  });
});

/** A document whose visibilityState the test sets, telling its listeners as a browser does. */
class FakeDocument extends EventTarget {
  visibilityState: 'visible' | 'hidden' = 'visible';
  set(state: 'visible' | 'hidden') {
    this.visibilityState = state;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('LiveClient in a tab that is hidden', () => {
  let tab: FakeDocument;
  beforeEach(() => {
    tab = new FakeDocument();
    vi.stubGlobal('document', tab); // the client's own Page Visibility source reads it
  });
  afterEach(() => vi.unstubAllGlobals());

  it(`closes its connection once hidden ${HIDDEN_CLOSE_MS / 1000} s, and shown again resumes every job from its last seq`, async () => {
    const c = client({ heartbeatTimeoutMs: 3_600_000 });
    const socket = await connected(c);
    let latest: JobViewState | undefined;
    c.followJob('job_a', (s) => (latest = s));
    await flush();
    [1, 2, 3].forEach((seq) => socket.push({ type: 'event', ...event('job_a', seq) }));

    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS - 1);
    expect(socket.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith).toBe(1000);
    expect(c.connection.state).toBe('paused');
    // Nothing opens again while hidden: no reconnect, no ticket.
    const tickets = kiln.ticketsIssued;
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(FakeSocket.opened).toHaveLength(1);
    expect(kiln.ticketsIssued).toBe(tickets);

    tab.set('visible');
    const again = await connected(c);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(again.subscriptions()).toEqual([{ type: 'subscribe', jobs: [{ id: 'job_a', after: 3 }] }]);
    [3, 4].forEach((seq) => again.push({ type: 'event', ...event('job_a', seq) })); // a replay may repeat one
    expect(partialsOf(latest)).toEqual([1, 2, 3, 4]);
  });

  it('keeps its connection when shown again within that time, and a tab opened hidden closes its own', async () => {
    const c = client({ heartbeatTimeoutMs: 3_600_000 });
    const socket = await connected(c);
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS - 1);
    tab.set('visible');
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS * 2);
    expect(socket.closedWith).toBeNull();
    expect(c.connection.state).toBe('open');
    c.dispose();

    tab.visibilityState = 'hidden'; // a tab opened in the background
    const background = client({ heartbeatTimeoutMs: 3_600_000 });
    const its = await connected(background);
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS);
    expect(its.closedWith).toBe(1000);
    expect(background.connection.state).toBe('paused');
  });

  it('stays paused when the browser comes back online while the tab is still hidden', async () => {
    const network = new Network(true);
    const c = client({ online: network, heartbeatTimeoutMs: 3_600_000 });
    await connected(c);
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS);
    expect(c.connection.state).toBe('paused');

    network.set(false);
    expect(c.connection.state).toBe('offline');
    network.set(true);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(c.connection.state).toBe('paused');
    expect(FakeSocket.opened).toHaveLength(1);

    tab.set('visible');
    await connected(c);
    expect(FakeSocket.opened).toHaveLength(2);
  });

  it('pauses once back online when it was offline as the tab had been hidden long enough', async () => {
    const network = new Network(true);
    const c = client({ online: network, heartbeatTimeoutMs: 3_600_000 });
    await connected(c);
    tab.set('hidden');
    network.set(false);
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS);
    expect(c.connection.state).toBe('offline');
    expect(c.paused).toBe(true); // pages make no timed reads already

    network.set(true);
    await vi.advanceTimersByTimeAsync(30 * 60_000);
    expect(c.connection.state).toBe('paused');
    expect(FakeSocket.opened).toHaveLength(1);

    tab.set('visible');
    expect(c.paused).toBe(false);
    await connected(c);
    expect(FakeSocket.opened).toHaveLength(2);
  });

  it('shown again after giving up, has still given up (its cause kept) and makes its quiet attempt at once', async () => {
    const c = client({ heartbeatTimeoutMs: 3_600_000 });
    (await connected(c)).drop(4008, 'too many');
    expect(c.connection).toMatchObject({ state: 'failed', cause: 'too_many_connections' });
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS);
    expect(c.connection.state).toBe('paused');
    const opened = FakeSocket.opened.length;

    tab.set('visible');
    await flush();
    expect(FakeSocket.opened).toHaveLength(opened + 1);
    expect(c.connection).toMatchObject({ state: 'failed', cause: 'too_many_connections' }); // quiet until it works
    await connected(c);
    expect(c.connection.cause).toBeNull();
  });

  it('shown again after a pause, counts its failures afresh', async () => {
    const c = client({ maxFailures: 2, stableAfterMs: 3_600_000, heartbeatTimeoutMs: 3_600_000 });
    (await connected(c)).drop(1006);
    await vi.advanceTimersByTimeAsync(1000);
    await connected(c); // one failure so far
    tab.set('hidden');
    await vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS);
    expect(c.connection.state).toBe('paused');

    tab.set('visible');
    (await connected(c)).drop(1006);
    expect(c.connection.state).toBe('reconnecting'); // one failure, not the second in a row
  });
});
