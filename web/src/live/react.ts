// React hooks over the live client: what a component shows, and how current it is.

import { useEffect, useState, useSyncExternalStore } from 'react';
import type { ConnectionInfo, JobViewState, LiveClient } from './liveClient';
import type { JobView } from './jobView';
import type { JobEvent, JobSnapshot } from './protocol';

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
  const [state, setState] = useState<JobViewState>({});
  useEffect(() => {
    setState({});
    return client.followJob(jobId, setState);
  }, [client, jobId]);
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
  limit?: number;
}

/** How often a list refreshes itself when "my jobs" events do not flow (SSE or polling). */
const REFRESH_MS = 5_000;

/** Your jobs, newest first, kept current from "my jobs" events (or refreshed when they do not flow). */
export function useJobs(client: LiveClient, query: JobsQuery = {}): Live<JobSnapshot[]> {
  const [jobs, setJobs] = useState<JobSnapshot[]>([]);
  const [error, setError] = useState<string>();
  const connection = useConnection(client);
  const key = JSON.stringify(query);

  useEffect(() => {
    let cancelled = false;
    const params: Record<string, string> = { limit: String(query.limit ?? 50) };
    if (query.state) params.state = query.state;
    if (query.type) params.type = query.type;
    const load = () =>
      client.http
        .jobs(params)
        .then((page) => !cancelled && (setJobs(page.items), setError(undefined)))
        .catch((e: unknown) => !cancelled && setError(String(e)));
    void load();
    const stop = client.followMine((event) => {
      setJobs((current) => {
        const index = current.findIndex((job) => job.id === event.job);
        if (index < 0) {
          if (event.kind === 'state' && event.seq === 1) void load(); // a new job of ours
          return current;
        }
        const next = [...current];
        next[index] = foldListEvent(current[index], event);
        return next;
      });
    });
    const refresh = setInterval(() => !client.followsMine && void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      stop();
      clearInterval(refresh);
    };
  }, [client, key]);

  return { data: jobs, error, connection, lastSyncedAt: connection.lastSyncedAt, stale: connection.state !== 'open' };
}

function foldListEvent(job: JobSnapshot, event: JobEvent): JobSnapshot {
  if (event.seq <= job.seq) return job;
  const next: JobSnapshot = { ...job, seq: event.seq };
  if (event.kind === 'state' && typeof event.data.state === 'string') {
    next.state = event.data.state as JobSnapshot['state'];
    next.cancelRequested = event.data.cancelRequested === true;
    if (next.state === 'succeeded') next.progress = 1;
  } else if (event.kind === 'progress' && typeof event.data.progress === 'number') {
    next.progress = event.data.progress;
    next.stage = typeof event.data.stage === 'string' ? event.data.stage : undefined;
  } else if (event.kind === 'error') {
    next.error = { code: String(event.data.code), message: String(event.data.message), retryable: event.data.retryable === true };
  }
  return next;
}
