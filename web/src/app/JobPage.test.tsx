// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshot } from '../live/testSupport';
import { JobPage } from './JobPage';
import { fakeClient, json } from './testClient';

afterEach(cleanup);

describe('JobPage', () => {
  it('follows a job again once a retry was accepted (SSE and polling stop at its end)', async () => {
    const failed = snapshot('job_1', 2, {
      state: 'failed',
      error: { code: 'media_unreadable', message: 'No audio.', retryable: false },
    });
    const jobs = { job_1: { view: { snapshot: failed, seq: 2, partials: [], historyComplete: true } } };
    const { client, calls, followedAgain } = fakeClient(
      (call) =>
        call.path === '/api/v1/jobs/job_1/retry' ? json(snapshot('job_1', 3, { state: 'queued' })) : undefined,
      jobs,
    );
    render(<JobPage client={client} id="job_1" processors={[]} refreshProcessors={() => {}} />);
    expect(followedAgain).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(followedAgain).toEqual(['job_1']));
    expect(calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /api/v1/jobs/job_1/retry');
  });
});
