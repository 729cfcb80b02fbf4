import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from './http';
import { LiveClient } from './liveClient';
import { FakeKiln, flush } from './testSupport';
import type { Transport, TransportFactory, TransportKind } from './transports';

let kiln: FakeKiln;
const clients: LiveClient[] = [];
beforeEach(() => {
  vi.useFakeTimers();
  kiln = new FakeKiln();
});
afterEach(() => {
  clients.forEach((c) => c.dispose());
  vi.useRealTimers();
});

type Outcome = 'works' | 'blocked' | 'down';
function fake(kind: TransportKind, outcome: () => Outcome, attempts: string[]): TransportFactory {
  return (handlers) => {
    attempts.push(kind);
    const now = outcome();
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

describe('a given-up tab back online', () => {
  it('starts from the WebSocket again: what made it fall back was on the network that went away', async () => {
    const attempts: string[] = [];
    let network: 'cafe' | 'home' | 'cafe-down' = 'cafe';
    let online = true;
    let listener: (o: boolean) => void = () => {};
    const c = new LiveClient({
      http: new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 't', fetch: kiln.fetch }),
      online: { isOnline: () => online, subscribe: (l) => ((listener = l), () => {}) },
      visibility: { isVisible: () => true, subscribe: () => () => {} },
      random: () => 0.5,
      log: () => {},
      maxFailures: 3,
      transports: [
        // the café proxy blocks WebSockets; at home they work
        fake('websocket', () => (network === 'home' ? 'works' : network === 'cafe' ? 'blocked' : 'down'), attempts),
        fake('sse', () => (network === 'cafe-down' ? 'down' : 'works'), attempts),
        fake('polling', () => 'works', attempts),
      ],
    });
    clients.push(c);
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
