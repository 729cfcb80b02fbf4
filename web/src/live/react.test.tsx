// @vitest-environment jsdom
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from './http';
import { HIDDEN_CLOSE_MS, LiveClient } from './liveClient';
import { useJob, useJobs } from './react';
import { event, FakeKiln, FakeSocket, flush, snapshot } from './testSupport';
import { pollingTransport } from './transports';

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
    // A list reloads for a job it does not show after a short wait (UNKNOWN_JOB_RELOAD_MS).
    await waitFor(() => expect(result.current.data.map((j) => j.id)).toContain('job_b'), { timeout: 3000 });
  });

  it('reads the list no more while the client is paused in a hidden tab, and again once it is back', async () => {
    vi.useFakeTimers();
    let state: DocumentVisibilityState = 'visible';
    const visibility = vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => state);
    const tab = (next: DocumentVisibilityState) => {
      state = next;
      document.dispatchEvent(new Event('visibilitychange'));
    };
    try {
      // Over SSE or polling "my jobs" events do not flow: the list reads itself again every few seconds.
      const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch: kiln.fetch });
      const polling = new LiveClient({ http, transports: [pollingTransport(http)], log: () => {} });
      const { result, unmount } = renderHook(() => useJobs(polling, { limit: 20 }));
      await act(() => vi.advanceTimersByTimeAsync(0));
      expect(result.current.data).toHaveLength(1);
      const lists = () => kiln.requests.filter((r) => r.startsWith('GET /api/v1/jobs?')).length;
      const before = lists();
      await act(() => vi.advanceTimersByTimeAsync(10_000));
      expect(lists()).toBeGreaterThan(before); // refreshing while shown

      act(() => tab('hidden'));
      await act(() => vi.advanceTimersByTimeAsync(HIDDEN_CLOSE_MS));
      expect(polling.connection.state).toBe('paused');
      const hidden = lists();
      await act(() => vi.advanceTimersByTimeAsync(10 * 60_000));
      expect(lists()).toBe(hidden);

      act(() => tab('visible'));
      await act(() => vi.advanceTimersByTimeAsync(100));
      expect(polling.connection.state).toBe('open');
      expect(lists()).toBeGreaterThan(hidden); // read again once open
      unmount();
      polling.dispose();
    } finally {
      visibility.mockRestore();
      vi.useRealTimers();
    }
  });

  it('drops the row of a job deleted elsewhere (another tab, the CLI) when the server says so', async () => {
    kiln.jobs.set('job_b', snapshot('job_b', 1, { state: 'queued' }));
    const { result } = renderHook(() => useJobs(client, { limit: 20 }));
    const socket = await welcome();
    await waitFor(() => expect(result.current.data.map((j) => j.id).sort()).toEqual(['job_a', 'job_b']));
    const listLoads = () => kiln.requests.filter((r) => r.startsWith('GET /api/v1/jobs?')).length;
    const before = listLoads();

    act(() => socket.push({ type: 'deleted', job: 'job_a' }));
    expect(result.current.data.map((j) => j.id)).toEqual(['job_b']);
    expect(listLoads()).toBe(before); // from the message itself, not a reload

    act(() => socket.push({ type: 'deleted', job: 'job_x' })); // not shown (another filter, an older page)
    expect(result.current.data.map((j) => j.id)).toEqual(['job_b']);
  });

  it('keeps a deleted job gone when a reload already under way answers with it', async () => {
    kiln.jobs.set('job_b', snapshot('job_b', 1, { state: 'queued' }));
    const { result } = renderHook(() => useJobs(client, { limit: 20 }));
    const socket = await welcome();
    const shown = () => result.current.data.map((j) => j.id);
    await waitFor(() => expect(shown().sort()).toEqual(['job_a', 'job_b']));
    let reloading = false;
    let release = () => {};
    kiln.holdList = () => {
      reloading = true;
      return new Promise<void>((resolve) => (release = resolve));
    };

    // A job the list does not show changes state: the list reloads, and that answer is held.
    kiln.jobs.set('job_c', snapshot('job_c', 1, { state: 'queued' }));
    act(() => socket.push({ type: 'event', ...event('job_c', 1, 'state', { state: 'queued' }) }));
    await waitFor(() => expect(reloading).toBe(true), { timeout: 3000 });
    act(() => socket.push({ type: 'deleted', job: 'job_a' }));
    expect(shown()).toEqual(['job_b']);

    // The answer was made before the deletion: job_a is still in it (the fake server keeps it).
    await act(async () => {
      release();
      await flush();
    });
    expect(shown()).toEqual(['job_c', 'job_b']);
  });

  it('shows a new job that reused an earlier result, whose log starts with the result', async () => {
    const { result } = renderHook(() => useJobs(client, { limit: 20 }));
    const socket = await welcome();
    await waitFor(() => expect(result.current.data).toHaveLength(1));
    const listLoads = () => kiln.requests.filter((r) => r.startsWith('GET /api/v1/jobs?')).length;
    const before = listLoads();

    kiln.jobs.set('job_r', snapshot('job_r', 2, { state: 'succeeded', attempt: 0, progress: 1 }));
    act(() => {
      socket.push({ type: 'event', ...event('job_r', 1, 'result', { href: '/api/v1/jobs/job_r/result', size: 5 }) });
      socket.push({
        type: 'event',
        ...event('job_r', 2, 'state', { state: 'succeeded', attempt: 0, reusedFrom: 'job_a' }),
      });
    });
    await waitFor(() => expect(result.current.data.map((j) => j.id)).toEqual(['job_r', 'job_a']), { timeout: 3000 });
    expect(listLoads()).toBe(before + 1);
  });

  it('never shows the rows of a filter it has left, whichever answer comes last', async () => {
    kiln.jobs.set('job_q', snapshot('job_q', 1, { state: 'queued' }));
    kiln.jobs.set('job_f', snapshot('job_f', 3, { state: 'failed' }));
    let release = () => {};
    kiln.holdList = (query) =>
      query.get('state') === 'failed' ? new Promise<void>((resolve) => (release = resolve)) : undefined;
    const { result, rerender } = renderHook(({ state }) => useJobs(client, { state }), {
      initialProps: { state: 'failed' },
    });
    rerender({ state: 'queued' });
    await waitFor(() => expect(result.current.data.map((j) => j.id)).toEqual(['job_q', 'job_a']));

    await act(async () => {
      release(); // the answer for "failed" comes in last
      await flush();
    });
    expect(result.current.data.map((j) => j.id)).toEqual(['job_q', 'job_a']);
  });
});
