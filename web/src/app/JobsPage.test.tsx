// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveClient } from '../live';
import { snapshot } from '../live/testSupport';
import { JobsPage } from './JobsPage';
import type { ProcessorInfo } from './processors';
import { jobsPath, parseRoute, useRoute } from './router';
import { fakeClient, json } from './testClient';

afterEach(cleanup);
beforeEach(() => window.history.replaceState(null, '', '/'));

/** Kiln with one succeeded and one failed transcription, answering the list by its state filter. */
function kiln(): LiveClient {
  const jobs = [
    snapshot('job_1', 3, { state: 'succeeded', input: { fileId: 'file_1', name: 'talk.wav' } }),
    snapshot('job_2', 3, { state: 'failed', input: { fileId: 'file_2', name: 'broken.wav' } }),
  ];
  const { client } = fakeClient((call) => {
    const url = new URL(call.path, 'http://kiln');
    if (url.pathname === '/api/v1/jobs/counts') return json({ counts: { succeeded: 1, failed: 1 }, total: 2 });
    if (url.pathname !== '/api/v1/jobs') return undefined;
    const state = url.searchParams.get('state');
    return json({ items: jobs.filter((j) => !state || j.state === state), nextCursor: null });
  });
  return Object.assign(client, { followMine: () => () => {}, followsMine: true });
}

/** The list as the app shows it: at the address's filters. */
function Routed({ client }: { client: LiveClient }) {
  const route = useRoute();
  return route.name === 'jobs' ? (
    <JobsPage client={client} types={['transcribe']} state={route.state} type={route.type} />
  ) : (
    <p>elsewhere</p>
  );
}

describe('the jobs list', () => {
  it("shows a placeholder for the name of a job's file deleted since, and none for a job that never had one", async () => {
    const processors = [
      { name: 'transcribe', accepts: ['audio/*'] },
      { name: 'optimize', accepts: ['none'] },
    ] as ProcessorInfo[];
    const jobs = [
      snapshot('job_1', 3, { state: 'succeeded', input: { fileId: 'file_1', name: 'talk.wav' } }),
      snapshot('job_2', 3, { state: 'succeeded', input: undefined }), // the API's answer once its file was deleted
      snapshot('job_3', 3, { type: 'optimize', state: 'succeeded', input: undefined }),
    ];
    const { client } = fakeClient((call) =>
      call.path.startsWith('/api/v1/jobs?')
        ? json({ items: jobs, nextCursor: null })
        : json({ counts: { succeeded: 3 }, total: 3 }),
    );
    render(
      <JobsPage
        client={Object.assign(client, { followMine: () => () => {}, followsMine: true })}
        types={['transcribe', 'optimize']}
        processors={processors}
      />,
    );
    await screen.findByText('talk.wav');
    const names = screen.getAllByRole('link').filter((a) => a.getAttribute('href')?.startsWith('/jobs/'));
    expect(names.map((a) => a.querySelector('.job-input')?.textContent)).toEqual(['talk.wav', '(deleted file)', '']);
  });

  it('keeps its filters in the address, so Back from a job finds the list filtered as it was', async () => {
    const client = kiln();
    render(<Routed client={client} />);
    await screen.findByText('broken.wav');
    fireEvent.change(screen.getByLabelText('State', { exact: true }), { target: { value: 'failed' } });
    await waitFor(() => expect(screen.queryByText('talk.wav')).toBeNull());
    expect(window.location.search).toBe('?state=failed');

    window.history.pushState(null, '', '/jobs/job_2');
    window.dispatchEvent(new PopStateEvent('popstate'));
    await screen.findByText('elsewhere');
    window.history.back();
    await screen.findByText('broken.wav');
    expect(screen.getByLabelText<HTMLSelectElement>('State', { exact: true }).value).toBe('failed');
    expect(screen.queryByText('talk.wav')).toBeNull();
  });

  it('says no job matches a filter, rather than that there are no jobs yet', async () => {
    window.history.replaceState(null, '', '/?state=cancelled');
    render(<Routed client={kiln()} />);
    expect((await screen.findByText(/^No cancelled jobs/)).textContent).toBe('No cancelled jobs. Show all your jobs.');
    expect(screen.queryByText(/No jobs yet/)).toBeNull();
  });

  it('says why the list could not be read, as the problem words it, and not that there are no jobs', async () => {
    const { client } = fakeClient((call) =>
      call.path.startsWith('/api/v1/jobs?')
        ? json({ code: 'unavailable', detail: 'The database is unavailable.' }, 503)
        : json({ counts: {}, total: 0 }),
    );
    render(<Routed client={Object.assign(client, { followMine: () => () => {}, followsMine: true })} />);
    expect((await screen.findByRole('alert')).textContent).toBe('The database is unavailable.');
    expect(screen.queryByText(/No jobs yet/)).toBeNull();
  });

  it('says Kiln could not be reached when the list got no answer', async () => {
    const { client } = fakeClient((call) => {
      if (call.path.startsWith('/api/v1/jobs?')) throw new TypeError('Failed to fetch');
      return json({ counts: {}, total: 0 });
    });
    render(<Routed client={Object.assign(client, { followMine: () => () => {}, followsMine: true })} />);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Kiln could not be reached; check your connection and try again.',
    );
  });

  it('drops a state Kiln does not know from the address, and shows a type filtered by though not offered', async () => {
    expect(parseRoute('/', '?state=bogus&type=transcribe')).toEqual({
      name: 'jobs',
      state: undefined,
      type: 'transcribe',
    });
    const asked: string[] = [];
    const { client } = fakeClient((call) => {
      asked.push(call.path);
      return call.path.startsWith('/api/v1/jobs?')
        ? json({ items: [], nextCursor: null })
        : json({ counts: {}, total: 0 });
    });
    window.history.replaceState(null, '', '/?state=bogus&type=test-echo');
    render(<Routed client={Object.assign(client, { followMine: () => () => {}, followsMine: true })} />);
    expect((await screen.findByText(/^No test-echo jobs/)).textContent).toBe('No test-echo jobs. Show all your jobs.');
    expect(asked.find((p) => p.startsWith('/api/v1/jobs?'))).not.toMatch(/state=/);
    expect(screen.getByLabelText<HTMLSelectElement>('State', { exact: true }).value).toBe('');
    expect(screen.getByLabelText<HTMLSelectElement>('Type', { exact: true }).value).toBe('test-echo');
  });

  it('reads and writes its address', () => {
    expect(jobsPath('failed', 'transcribe')).toBe('/?state=failed&type=transcribe');
    expect(jobsPath(undefined, '')).toBe('/');
    expect(parseRoute('/', '?state=failed&type=transcribe')).toEqual({
      name: 'jobs',
      state: 'failed',
      type: 'transcribe',
    });
    expect(parseRoute('/jobs', '')).toEqual({ name: 'jobs', state: undefined, type: undefined });
  });
});
