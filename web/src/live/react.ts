// React hooks over the live client: what a component shows, and how current it is.

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { errorMessage } from './http';
import type { ConnectionInfo, JobViewState, LiveClient } from './liveClient';
import { fold, type JobView } from './jobView';
import type { JobSnapshot } from './protocol';

export interface Live<T> {
  data: T;
  error?: string;
  connection: ConnectionInfo;
  /** When the data was last confirmed current by the server (epoch ms). */
  lastSyncedAt: number | null;
  /** True while not connected: what is shown may be out of date. */
  stale: boolean;
}

export function useConnection(client: LiveClient): ConnectionInfo {
  return useSyncExternalStore(
    (onChange) => client.onConnection(onChange),
    () => client.connection,
    () => client.connection,
  );
}

/** One job, current, with its partial results. */
export function useJob(client: LiveClient, jobId: string): Live<JobView | undefined> {
  const [followed, setFollowed] = useState<{ client: LiveClient; jobId: string; state: JobViewState }>({
    client,
    jobId,
    state: {},
  });
  useEffect(() => client.followJob(jobId, (state) => setFollowed({ client, jobId, state })), [client, jobId]);
  // Another job (or client) shows nothing of the one before while its own state comes in.
  const state = followed.client === client && followed.jobId === jobId ? followed.state : {};
  const connection = useConnection(client);
  return {
    data: state.view,
    error: state.error,
    connection,
    lastSyncedAt: connection.lastSyncedAt,
    stale: connection.state !== 'open',
  };
}

export interface JobsQuery {
  state?: string;
  type?: string;
  /** Jobs per page. */
  limit?: number;
  /** How many pages, newest first, to keep loaded and live. */
  pages?: number;
}

/** How often a list refreshes itself when "my jobs" events do not flow (SSE or polling). */
const REFRESH_MS = 5_000;

/** How long a list waits before reloading for a job it does not show, so a burst costs one load. */
const UNKNOWN_JOB_RELOAD_MS = 500;

type Setter<T> = (update: (current: T) => T) => void;

/**
 * Your jobs, newest first, kept current from "my jobs" events. Reloaded whenever the connection
 * (re)opens, since events missed while it was down are not replayed for lists, and every few
 * seconds when "my jobs" events do not flow at all (SSE or polling).
 */
export function useJobs(client: LiveClient, query: JobsQuery = {}): Live<JobSnapshot[]> & { hasMore: boolean } {
  const [jobs, setJobs] = useState<JobSnapshot[]>([]);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string>();
  const connection = useConnection(client);
  const known = useRef(new Set<string>());
  // Jobs deleted while the list is shown: an answer made before a deletion (a reload already under
  // way when it came) would put the row back. Ids are never reused, so they stay gone.
  const deleted = useRef(new Set<string>());
  const loads = useRef({ query: '', issued: 0, shown: 0 });
  const { state, type, limit, pages: pageCount } = query;

  const load = useCallback(() => {
    const params: Record<string, string> = { limit: String(limit ?? 50) };
    if (state) params.state = state;
    if (type) params.type = type;
    // Only the latest query's answers count, and none older than the one shown: else an answer
    // still in flight when the filter changed put the other filter's rows back.
    const key = JSON.stringify([params, pageCount]);
    const ticket = ++loads.current.issued;
    loads.current.query = key;
    const wanted = () => loads.current.query === key && ticket > loads.current.shown;
    return loadPages(client, params, pageCount ?? 1).then(
      (loaded) => {
        if (!wanted()) return;
        loads.current.shown = ticket;
        setError(undefined);
        setHasMore(loaded.more);
        const items = loaded.items.filter((job) => !deleted.current.has(job.id));
        setJobs((current) => keepNewer(current, items));
      },
      (e: unknown) => wanted() && setError(errorMessage(e)),
    );
  }, [client, state, type, limit, pageCount]);

  useEffect(() => {
    known.current = new Set(jobs.map((job) => job.id));
  }, [jobs]);

  // After every reconnection: what happened meanwhile is not replayed for lists.
  const wasOpen = useRef(connection.state === 'open');
  useEffect(() => {
    const open = connection.state === 'open';
    if (open && !wasOpen.current) void load();
    wasOpen.current = open;
  }, [connection.state, load]);

  const drop = useCallback((jobId: string) => {
    deleted.current.add(jobId);
    setJobs((current) => current.filter((job) => job.id !== jobId));
  }, []);
  useMyJobEvents(client, load, known, setJobs, drop);

  return {
    data: jobs,
    error,
    connection,
    lastSyncedAt: connection.lastSyncedAt,
    stale: connection.state !== 'open',
    hasMore,
  };
}

/**
 * Loads the list, then folds "my jobs" events into its rows and tells {@link drop} of jobs deleted;
 * refreshes when those do not flow (a refresh drops deleted jobs too).
 */
function useMyJobEvents(
  client: LiveClient,
  load: () => Promise<unknown>,
  known: { current: Set<string> },
  setJobs: Setter<JobSnapshot[]>,
  drop: (jobId: string) => void,
): void {
  useEffect(() => {
    void load();
    let reload: ReturnType<typeof setTimeout> | undefined;
    const stop = client.followMine((event) => {
      if (known.current.has(event.job)) {
        setJobs((current) =>
          current.map((job) => (job.id === event.job && event.seq > job.seq ? fold(job, event) : job)),
        );
      } else if (event.kind === 'state' && reload === undefined) {
        // A job the list does not show changed state: a new one (a reused result's job starts
        // with its result, then its state at seq 2), or one that now matches the filter.
        reload = setTimeout(() => {
          reload = undefined;
          void load();
        }, UNKNOWN_JOB_RELOAD_MS);
      }
    }, drop);
    // Not while the client is paused in a hidden tab: it reloads the list when it is open again.
    const refresh = setInterval(() => !client.followsMine && !client.paused && void load(), REFRESH_MS);
    return () => {
      stop();
      clearInterval(refresh);
      clearTimeout(reload);
    };
  }, [client, load, known, setJobs, drop]);
}

/** The first {@code pageCount} pages of the list, newest first; {@code more} when others follow. */
async function loadPages(client: LiveClient, params: Record<string, string>, pageCount: number) {
  const items: JobSnapshot[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < pageCount; i++) {
    const page = await client.http.jobs(cursor ? { ...params, cursor } : params);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { items, more: cursor !== null };
}

/** The loaded rows, except those that events already moved past what the page says. */
function keepNewer(current: JobSnapshot[], loaded: JobSnapshot[]): JobSnapshot[] {
  const newer = new Map(current.map((job) => [job.id, job]));
  return loaded.map((job) => {
    const mine = newer.get(job.id);
    return mine && mine.seq > job.seq ? mine : job;
  });
}
