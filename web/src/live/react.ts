// React hooks over the live client: what a component shows, and how current it is.

import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
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
  const { state, type, limit, pages: pageCount } = query;

  const load = useCallback(() => {
    const params: Record<string, string> = { limit: String(limit ?? 50) };
    if (state) params.state = state;
    if (type) params.type = type;
    const pages = async () => {
      const items: JobSnapshot[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < (pageCount ?? 1); i++) {
        const page = await client.http.jobs(cursor ? { ...params, cursor } : params);
        items.push(...page.items);
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return { items, more: cursor !== null };
    };
    return pages().then(
      (loaded) => {
        setError(undefined);
        setHasMore(loaded.more);
        // Rows that events already moved past what this page says stay as they are.
        setJobs((current) => {
          const newer = new Map(current.map((job) => [job.id, job]));
          return loaded.items.map((job) => {
            const mine = newer.get(job.id);
            return mine && mine.seq > job.seq ? mine : job;
          });
        });
      },
      (e: unknown) => setError(String(e)),
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

  useEffect(() => {
    void load();
    const stop = client.followMine((event) => {
      if (!known.current.has(event.job)) {
        if (event.kind === 'state' && event.seq === 1) void load(); // a new job of ours
        return;
      }
      setJobs((current) =>
        current.map((job) => (job.id === event.job ? (event.seq <= job.seq ? job : fold(job, event)) : job)),
      );
    });
    const refresh = setInterval(() => !client.followsMine && void load(), REFRESH_MS);
    return () => {
      stop();
      clearInterval(refresh);
    };
  }, [client, load]);

  return {
    data: jobs,
    error,
    connection,
    lastSyncedAt: connection.lastSyncedAt,
    stale: connection.state !== 'open',
    hasMore,
  };
}
