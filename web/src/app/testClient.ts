// A live client for page tests: connected, its HTTP calls answered by the test, its jobs' views
// set by the test (and changed while a page shows them).

import { KilnHttp, type JobViewState, type LiveClient } from '../live';

export interface Call {
  method: string;
  path: string;
  body?: unknown;
  headers: Headers;
}

/** The answer to a call; a promise holds it back until the test lets it go. */
export type Answer = (call: Call) => Response | Promise<Response> | undefined;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A live client that is connected, whose HTTP calls {@link answer} answers, following jobs as {@link jobs} says. */
export function fakeClient(answer: Answer, jobs: Record<string, JobViewState> = {}) {
  const calls: Call[] = [];
  /** The jobs the page asked to follow again (after a retry). */
  const followedAgain: string[] = [];
  const followers = new Map<string, Set<(state: JobViewState) => void>>();
  const http = new KilnHttp({
    csrf: () => 'csrf_1',
    fetch: async (input, init) => {
      const call = {
        method: init?.method ?? 'GET',
        path: String(input),
        body: init?.body ? JSON.parse(String(init.body)) : undefined,
        headers: new Headers(init?.headers),
      };
      calls.push(call);
      return (await answer(call)) ?? json({ code: 'not_found', detail: `nothing at ${call.path}` }, 404);
    },
  });
  const client = {
    http,
    connection: {
      state: 'open',
      transport: 'websocket',
      failures: 0,
      nextRetryAt: null,
      lastSyncedAt: 1,
      reason: null,
    },
    onConnection: () => () => {},
    followJob: (id: string, listener: (state: JobViewState) => void) => {
      const mine = followers.get(id) ?? new Set();
      followers.set(id, mine.add(listener));
      listener(jobs[id] ?? { error: 'not_found' });
      return () => mine.delete(listener);
    },
    followAgain: (id: string) => followedAgain.push(id),
  } as unknown as LiveClient;
  /** The job's view changes (an event came in): every page following it sees the new one. */
  const change = (id: string, state: JobViewState) => {
    jobs[id] = state;
    followers.get(id)?.forEach((listener) => listener(state));
  };
  return { client, calls, change, followedAgain };
}
