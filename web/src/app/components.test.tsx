// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConnectionInfo, LiveClient } from '../live';
import { ConnectionBadge } from './ConnectionBadge';
import { ErrorBoundary } from './ErrorBoundary';
import { ProgressBar } from './ProgressBar';

afterEach(cleanup);

/** Just what the badge reads of a live client: its connection, change notices, and retryNow. */
function fakeClient(info: Partial<ConnectionInfo>) {
  let listener = () => {};
  const client = {
    connection: {
      state: 'open',
      transport: 'websocket',
      failures: 0,
      nextRetryAt: null,
      lastSyncedAt: null,
      reason: null,
      ...info,
    } as ConnectionInfo,
    onConnection: (l: () => void) => ((listener = l), () => {}),
    retryNow: vi.fn(),
    change(next: Partial<ConnectionInfo>) {
      client.connection = { ...client.connection, ...next };
      listener();
    },
  };
  return client;
}

describe('ConnectionBadge', () => {
  it('says Live, then Reconnecting with the seconds to the next try, then Offline with the time of the data', () => {
    const client = fakeClient({ state: 'open' });
    render(<ConnectionBadge client={client as unknown as LiveClient} />);
    expect(screen.getByTestId('connection').textContent).toBe('Live');

    act(() => client.change({ state: 'reconnecting', nextRetryAt: Date.now() + 4200 }));
    expect(screen.getByTestId('connection').textContent).toMatch(/^Reconnecting \(next try in [45] s\)Reconnect now$/);
    fireEvent.click(screen.getByRole('button', { name: 'Reconnect now' }));
    expect(client.retryNow).toHaveBeenCalledOnce();

    act(() => client.change({ state: 'offline', lastSyncedAt: Date.parse('2026-11-23T10:15:30Z') }));
    expect(screen.getByTestId('connection').textContent).toMatch(/^Offline \(data as of .+\)$/);

    act(() => client.change({ state: 'paused' }));
    expect(screen.getByTestId('connection').textContent).toMatch(/^Paused while the tab is hidden \(data as of .+\)$/);
  });
});

describe('ErrorBoundary', () => {
  it('shows what failed instead of a blank page, and can try again', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    let broken = true;
    function Panel() {
      if (broken) throw new Error('bad partial');
      return <p>fine now</p>;
    }
    render(
      <ErrorBoundary name="results">
        <Panel />
      </ErrorBoundary>,
    );
    expect(screen.getByRole('alert').textContent).toContain('The results could not be shown');
    expect(screen.getByRole('alert').textContent).toContain('bad partial');

    broken = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(screen.getByText('fine now')).toBeTruthy();
  });
});

describe('ProgressBar', () => {
  it('exposes its value to assistive technology', () => {
    render(<ProgressBar value={0.427} label="Job progress" />);
    const bar = screen.getByRole('progressbar', { name: 'Job progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('42');
    expect(bar.getAttribute('aria-valuetext')).toBe('42%');
  });
});

describe('the job timeline', () => {
  it('puts a job at the step its state and stage say', async () => {
    const { currentStep } = await import('./JobPage');
    const job = (state: string, stage?: string) => ({ state, stage }) as Parameters<typeof currentStep>[0];
    expect(currentStep(job('queued'))).toBe(1);
    expect(currentStep(job('retry_scheduled'))).toBe(1);
    expect(currentStep(job('running', 'transcribing'))).toBe(2);
    expect(currentStep(job('running', 'finalizing'))).toBe(3);
    expect(currentStep(job('running', 'segmenting'))).toBe(3);
    expect(currentStep(job('failed'))).toBe(4);
  });
});
