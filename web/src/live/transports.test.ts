import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from './http';
import { statusCause, type ServerMessage } from './protocol';
import { event, FakeKiln, FakeSocket, flush } from './testSupport';
import { pollingTransport, sseTransport, webSocketTransport, type TransportFactory } from './transports';

let kiln: FakeKiln;
let received: number[];
let closed: string[];
/** What the transport told: 'ready', or 'closed' with whether to reconnect and why. */
let told: string[];
/** For each close, whether the transport says the server answered HTTP during the attempt. */
let reachedKiln: (boolean | undefined)[];
/** For each ready, whether the transport said it was untested. */
let untested: (boolean | undefined)[];

function start(factory: (http: KilnHttp) => TransportFactory) {
  const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
  return factory(http)({
    onReady: (isUntested) => {
      told.push('ready');
      untested.push(isUntested);
    },
    onWorking: () => told.push('working'),
    onMessage: (m: ServerMessage) => m.type === 'event' && received.push(m.seq),
    onClosed: (reconnect, reason, cause, reached) => {
      closed.push(reason);
      told.push(`closed reconnect=${reconnect} ${cause}`);
      reachedKiln.push(reached);
    },
    log: () => {},
  });
}

/** A job that finished, was retried, and finished again: its log goes on past the first end. */
function retriedJob() {
  kiln.append(
    event('job_a', 1, 'state', { state: 'running' }),
    event('job_a', 2, 'state', { state: 'failed' }),
    event('job_a', 3, 'state', { state: 'queued', reason: 'retry' }),
    event('job_a', 4, 'partial'),
    event('job_a', 5, 'state', { state: 'succeeded' }),
  );
}

beforeEach(() => {
  kiln = new FakeKiln();
  received = [];
  closed = [];
  told = [];
  reachedKiln = [];
  untested = [];
  FakeSocket.opened = [];
});

afterEach(() => vi.useRealTimers());

describe('SSE transport', () => {
  it('reads past a first terminal event to the real end, which the server confirms with 204', async () => {
    retriedJob();
    const transport = start(sseTransport);
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3, 4, 5]));
    await vi.waitFor(() => expect(kiln.requests.filter((r) => r.includes('/events'))).toHaveLength(2));
    await flush();
    expect(kiln.requests.filter((r) => r.includes('/events'))).toHaveLength(2);
    expect(closed).toEqual([]);
  });

  it('resumes from the last event when a stream ends early, and stops on 204', async () => {
    retriedJob();
    kiln.ssePageSize = 2;
    const transport = start(sseTransport);
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3, 4, 5]));
    // 1-2 (ends on a terminal event), 3-4, 5, then 204.
    await vi.waitFor(() => expect(kiln.requests.filter((r) => r.includes('/events'))).toHaveLength(4));

    received = [];
    transport.follow([{ id: 'job_a', after: 5 }]);
    await vi.waitFor(() => expect(kiln.requests.filter((r) => r.includes('/events'))).toHaveLength(5));
    await flush();
    expect(received).toEqual([]);
  });
});

describe('SSE transport through a proxy that refuses or breaks event streams', () => {
  /** A job that goes on: its stream stays open on Kiln (here it ends, and is resumed after a wait). */
  const running = () => kiln.append(event('job_a', 1, 'state', { state: 'running' }));

  it('is untested when ready, and works once a stream brings its first line', async () => {
    running();
    const transport = start(sseTransport);
    await vi.waitFor(() => expect(told).toEqual(['ready']));
    expect(untested).toEqual([true]);
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(told).toEqual(['ready', 'working']));
    transport.close();
  });

  it.each([
    ['a 502', () => new Response('Bad Gateway', { status: 502 })],
    ['a 405', () => new Response('Method Not Allowed', { status: 405 })],
    ['a page instead', () => new Response('<html>', { status: 200, headers: { 'Content-Type': 'text/html' } })],
    ['a stream cut at once', () => new Response('', { status: 200, headers: { 'Content-Type': 'text/event-stream' } })],
  ])('fails, as having reached Kiln, on %s before any stream has worked', async (_what, answer) => {
    running();
    kiln.sseAnswer = answer;
    const transport = start(sseTransport);
    await vi.waitFor(() => expect(told).toEqual(['ready']));
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(told).toEqual(['ready', 'closed reconnect=true unreachable']));
    expect(reachedKiln).toEqual([true]);
  });

  it('on a 403 asks to reconnect (the next transport tells a proxy from Kiln) until a stream has worked', async () => {
    running();
    kiln.sseAnswer = () => new Response('Forbidden', { status: 403 });
    let transport = start(sseTransport);
    await vi.waitFor(() => expect(told).toEqual(['ready']));
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(told).toEqual(['ready', 'closed reconnect=true refused']));
    expect(reachedKiln).toEqual([true]);

    vi.useFakeTimers();
    kiln.sseAnswer = null;
    told = [];
    transport = start(sseTransport);
    await flush();
    transport.follow([{ id: 'job_a', after: 0 }]);
    await flush();
    expect(told).toEqual(['ready', 'working']); // the stream ended after its event: resumed after a wait
    kiln.sseAnswer = () => new Response('Forbidden', { status: 403 });
    await vi.advanceTimersByTimeAsync(30_000);
    await flush();
    expect(told).toEqual(['ready', 'working', 'closed reconnect=false refused']);
  });

  it('does not count a 503 (Kiln draining) or no answer as having reached Kiln', async () => {
    running();
    kiln.sseAnswer = () => new Response('Service Unavailable', { status: 503 });
    start(sseTransport).follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(reachedKiln).toEqual([false]));
    kiln.sseAnswer = () => {
      throw new TypeError('connection reset');
    };
    const transport = start(sseTransport);
    await vi.waitFor(() => expect(told).toContain('ready'));
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(reachedKiln).toEqual([false, false]));
  });

  it('once a stream has worked, a stream cut at once is resumed after a wait, as before', async () => {
    vi.useFakeTimers();
    running();
    const transport = start(sseTransport);
    await flush();
    transport.follow([{ id: 'job_a', after: 0 }]);
    await flush();
    expect(told).toEqual(['ready', 'working']);
    kiln.sseAnswer = () => new Response('', { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    await vi.advanceTimersByTimeAsync(60_000);
    await flush();
    expect(told).toEqual(['ready', 'working']);
    expect(kiln.requests.filter((r) => r.includes('/events')).length).toBeGreaterThan(2);
    transport.close();
  });
});

describe('polling transport', () => {
  it('does not stop at a terminal event that a retry has left behind', async () => {
    retriedJob();
    const transport = start(pollingTransport);
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(received).toEqual([1, 2, 3, 4, 5]));
    await flush();
    expect(closed).toEqual([]);
  });
});

describe.each([
  ['SSE', sseTransport],
  ['polling', pollingTransport],
])('%s transport: ready and reconnect', (name, factory) => {
  it('is ready only once Kiln has answered, and asks to reconnect when it could not be reached', async () => {
    kiln.down = true;
    start(factory);
    await vi.waitFor(() => expect(told).toEqual(['closed reconnect=true unreachable']));

    kiln.down = false;
    told = [];
    start(factory);
    await vi.waitFor(() => expect(told).toEqual(['ready']));
  });

  // SSE on 403: below, as it depends on whether a stream has worked.
  it.each(name === 'SSE' ? [401, 429] : [401, 403, 429])('gives up on %i instead of reconnecting', async (status) => {
    kiln.append(event('job_a', 1));
    kiln.refuseEvents = status;
    const transport = start(factory);
    await vi.waitFor(() => expect(told).toEqual(['ready']));
    transport.follow([{ id: 'job_a', after: 0 }]);
    await vi.waitFor(() => expect(told).toEqual(['ready', `closed reconnect=false ${statusCause(status)}`]));
  });
});

describe('whether an attempt reached Kiln (what decides falling back to the next transport)', () => {
  const webSocket = (http: KilnHttp) => webSocketTransport({ http, open: (url) => new FakeSocket(url) });

  it.each([
    ['WebSocket', webSocket],
    ['SSE', sseTransport],
    ['polling', pollingTransport],
  ])('%s: not when Kiln gave no answer, or a 5xx from the proxy in front of it', async (_name, factory) => {
    kiln.down = true;
    start(factory);
    await vi.waitFor(() => expect(reachedKiln).toEqual([false]));

    kiln.down = false;
    kiln.proxyStatus = 502;
    start(factory);
    await vi.waitFor(() => expect(reachedKiln).toEqual([false, false]));
    expect(told).toEqual(['closed reconnect=true unreachable', 'closed reconnect=true unreachable']);
  });

  it('WebSocket: yes when it got a ticket but the socket closed before welcome (a proxy refusing WebSockets)', async () => {
    start(webSocket);
    await vi.waitFor(() => expect(FakeSocket.opened).toHaveLength(1));
    FakeSocket.last().drop(1006);
    expect(told).toEqual(['closed reconnect=true undefined']);
    expect(reachedKiln).toEqual([true]);
  });
});
