// @vitest-environment jsdom
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KilnHttp } from './http';
import { LiveClient } from './liveClient';
import { useJob, useJobs } from './react';
import { event, FakeKiln, FakeSocket, flush, snapshot } from './testSupport';

let kiln: FakeKiln;
let client: LiveClient;

beforeEach(() => {
  FakeSocket.opened = [];
  kiln = new FakeKiln();
  kiln.jobs.set('job_a', snapshot('job_a', 0, { state: 'queued' }));
  const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
  client = new LiveClient({ http, openWebSocket: (url) => new FakeSocket(url), log: () => {} });
});

afterEach(() => client.dispose());

async function welcome(): Promise<FakeSocket> {
  await act(flush);
  const socket = FakeSocket.last();
  act(() => socket.push({ type: 'welcome', user: 'ann', pingInterval: 25000 }));
  return socket;
}

describe('useJob', () => {
  it('shows the job as its events arrive, and says when it may be stale', async () => {
    const { result } = renderHook(() => useJob(client, 'job_a'));
    expect(result.current.stale).toBe(true);
    const socket = await welcome();
    await waitFor(() => expect(result.current.data).toBeDefined());
    expect(result.current.stale).toBe(false);

    act(() => {
      socket.push({ type: 'event', ...event('job_a', 1, 'state', { state: 'running', attempt: 1 }) });
      socket.push({ type: 'event', ...event('job_a', 2, 'partial', { text: 'hello' }) });
      socket.push({ type: 'event', ...event('job_a', 3, 'progress', { progress: 0.4, stage: 'transcribing' }) });
    });
    expect(result.current.data?.snapshot).toMatchObject({ state: 'running', progress: 0.4, stage: 'transcribing' });
    expect(result.current.data?.partials).toEqual([{ text: 'hello' }]);
    expect(result.current.lastSyncedAt).not.toBeNull();

    act(() => socket.drop(1006));
    expect(result.current.stale).toBe(true);
    expect(result.current.connection.state).toBe('reconnecting');
    expect(result.current.data?.partials).toEqual([{ text: 'hello' }]);
  });
});

describe('useJobs', () => {
  it('lists my jobs and keeps them current from "my jobs" events', async () => {
    const { result } = renderHook(() => useJobs(client, { limit: 20 }));
    const socket = await welcome();
    await waitFor(() => expect(result.current.data).toHaveLength(1));
    expect(socket.sent).toContainEqual({ type: 'subscribe', mine: true });

    act(() => socket.push({ type: 'event', ...event('job_a', 1, 'state', { state: 'running' }) }));
    act(() => socket.push({ type: 'event', ...event('job_a', 2, 'progress', { progress: 0.7, stage: 'x' }) }));
    expect(result.current.data[0]).toMatchObject({ state: 'running', progress: 0.7 });

    kiln.jobs.set('job_b', snapshot('job_b', 1, { state: 'queued' }));
    act(() => socket.push({ type: 'event', ...event('job_b', 1, 'state', { state: 'queued' }) }));
    await waitFor(() => expect(result.current.data.map((j) => j.id)).toContain('job_b'));
  });
});
