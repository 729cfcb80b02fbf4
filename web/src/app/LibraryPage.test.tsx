// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from '../live';
import type { LibraryFile } from './library';
import { LibraryPage } from './LibraryPage';
import { trackSave } from './pendingSaves';
import { useRoute } from './router';
import { savedFiles } from './testDownloads';

afterEach(cleanup);
afterEach(() => vi.restoreAllMocks());
/** Corrections a test holds in flight: let go after it, failed or not, so that no later download waits for them. */
const held: (() => void)[] = [];
afterEach(() => held.splice(0).forEach((release) => release()));

/**
 * A Kiln library answering like the real API: a file jobs wait on is refused unless its jobs go too; the list gives
 * each file its latest five jobs and their count, the job list (?file=) all of them, newest first, page by page.
 * Here a file's `jobs` are all of them, oldest first.
 */
class FakeLibrary {
  calls: string[] = [];
  /** Answered by the job list instead of a page, when set. */
  jobsProblem?: Response;
  files: LibraryFile[] = [
    {
      id: 'fil_2',
      name: 'interview.wav',
      size: 2048,
      mediaType: 'audio/wav',
      sha256: 'b'.repeat(64),
      createdAt: '2026-12-02T10:00:00Z',
      duration: 75,
      jobs: [{ id: 'job_2', type: 'transcribe', state: 'queued' }],
      jobCount: 1,
    },
    {
      id: 'fil_1',
      name: 'report.pdf',
      size: 1024,
      mediaType: 'application/pdf',
      sha256: 'a'.repeat(64),
      createdAt: '2026-12-01T10:00:00Z',
      pages: 3,
      jobs: [{ id: 'job_1', type: 'extract', state: 'succeeded' }],
      jobCount: 1,
    },
  ];

  http = new KilnHttp({
    csrf: () => 'csrf_1',
    fetch: async (input, init) => {
      const url = new URL(String(input), 'http://kiln');
      const method = init?.method ?? 'GET';
      this.calls.push(`${method} ${url.pathname}${url.search}`);
      return this.answer(method, url, init?.body ? JSON.parse(String(init.body)) : undefined);
    },
  });

  private answer(method: string, url: URL, body: { ids?: string[] }): Response {
    if (url.pathname === '/api/v1/files' && method === 'GET') {
      const q = url.searchParams.get('q')?.toLowerCase() ?? '';
      const items = this.files
        .filter((f) => f.name!.toLowerCase().includes(q))
        .map((f) => ({
          ...f,
          jobs: f.jobs.slice(-5),
          jobCount: f.jobs.length,
          // The job list's cursor just after the oldest shown: here that job's id.
          jobsCursor: f.jobs.length > 5 ? f.jobs.at(-5)!.id : null,
        }));
      return json({ items, nextCursor: null, total: items.length });
    }
    if (url.pathname === '/api/v1/jobs' && method === 'GET') return this.jobsOf(url.searchParams);
    if (url.pathname === '/api/v1/me/usage') {
      const usedBytes = this.files.reduce((sum, f) => sum + f.size, 0);
      return json({ usedBytes, storedBytes: usedBytes, quotaBytes: 1024 * 1024, files: this.files.length, jobs: {} });
    }
    const result = /^\/api\/v1\/jobs\/(job_\d+)\/result$/.exec(url.pathname);
    if (result && method === 'GET') return json({ job: result[1], text: 'Quarterly report.' });
    const one = /^\/api\/v1\/files\/(fil_\d+)$/.exec(url.pathname);
    if (one && method === 'DELETE') {
      const [status, problem] = this.remove(one[1], url.searchParams.get('jobs') === 'delete');
      return status === 204 ? new Response(null, { status }) : json(problem, status);
    }
    if (url.pathname === '/api/v1/files/delete' && method === 'POST') {
      return json({
        items: body.ids!.map((id) => {
          const [status, problem] = this.remove(id, false);
          return { id, status, ...problem };
        }),
      });
    }
    return json({ code: 'not_found', detail: 'No such resource.' }, 404);
  }

  private jobsOf(query: URLSearchParams): Response {
    if (this.jobsProblem) return this.jobsProblem;
    const all = [...(this.files.find((f) => f.id === query.get('file'))?.jobs ?? [])].reverse();
    // A cursor is the last job read (the real one its time and id): the page after it, whatever was made since.
    const after = query.get('cursor');
    const from = after === null ? 0 : all.findIndex((job) => job.id === after) + 1;
    const to = from + Number(query.get('limit'));
    const items = all
      .slice(from, to)
      .map((job) => ({ ...job, progress: 0, seq: 1, attempt: 1, createdAt: '2026-12-01T10:00:00Z' }));
    return json({ items, nextCursor: to < all.length ? items.at(-1)!.id : null });
  }

  private remove(id: string, withJobs: boolean): [number, Record<string, unknown>] {
    const file = this.files.find((f) => f.id === id);
    if (!file) return [404, { code: 'file_not_found', detail: `No file ${id}.` }];
    const waiting = file.jobs.filter((j) => j.state === 'queued' || j.state === 'running');
    if (waiting.length > 0 && !withJobs)
      return [
        409,
        {
          code: 'file_in_use',
          detail: `Jobs waiting or running need file ${id} (${waiting.map((j) => j.id).join(', ')}); cancel them, or delete them with it (?jobs=delete).`,
          jobs: waiting,
        },
      ];
    const running = file.jobs.filter((j) => j.state === 'running');
    if (running.length > 0)
      return [409, { code: 'job_running', detail: `Jobs made from file ${id} are running.`, jobs: running }];
    this.files = this.files.filter((f) => f !== file);
    return [204, {}];
  }
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

let kiln: FakeLibrary;
beforeEach(() => {
  kiln = new FakeLibrary();
  window.history.replaceState(null, '', '/library');
});

const row = (name: string) => screen.getByRole('listitem', { name });

describe('the library page', () => {
  it('lists files newest first with their length, jobs and what stored files take', async () => {
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const files = await screen.findAllByTestId('library-file');
    expect(files.map((f) => f.getAttribute('aria-label'))).toEqual(['interview.wav', 'report.pdf']);
    expect(files[0].textContent).toContain('1:15');
    expect(files[1].textContent).toContain('3 pages');
    expect(within(files[1]).getByRole('link', { name: 'extract succeeded' }).getAttribute('href')).toBe('/jobs/job_1');
    expect(within(files[1]).getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(
      '/api/v1/files/fil_1/content',
    );
    expect(within(files[1]).getByRole('button', { name: 'Download result' })).toBeTruthy();
    expect(within(files[0]).queryByRole('button', { name: 'Download result' })).toBeNull();
    expect((await screen.findByTestId('library-usage')).textContent).toBe('3.0 KB of 1.0 MB stored');
  });

  it('plays a recording in place from its content', async () => {
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    fireEvent.click(within(row('interview.wav')).getByRole('button', { name: 'Play' }));
    const player = within(row('interview.wav')).getByTestId('library-player');
    expect(player.tagName).toBe('AUDIO');
    expect(player.getAttribute('src')).toBe('/api/v1/files/fil_2/content');
  });

  it('downloads a result once the corrections still being saved are stored, saying so meanwhile', async () => {
    const files = savedFiles();
    // A correction of job_1's result made on its page is still on its way (that page was left meanwhile).
    let store!: () => void;
    void trackSave('job_1', new Promise<void>((resolve) => held.push((store = resolve))));
    const exports = () => kiln.calls.filter((c) => c.includes('/result?format='));
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    const file = row('report.pdf');

    fireEvent.click(within(file).getByRole('button', { name: 'Download result' }));
    const preparing = await within(file).findByRole('button', { name: 'Preparing result…' });
    expect(preparing.getAttribute('aria-busy')).toBe('true');
    fireEvent.click(preparing); // a second click while it waits starts no second download
    await act(async () => {}); // had the download not waited, its request would be out by now
    expect(exports()).toEqual([]);

    await act(async () => store());
    await waitFor(() => expect(files).toHaveLength(1));
    expect(files[0].name).toBe('job_1.json');
    expect(await files[0].text).toContain('Quarterly report.');
    expect(exports()).toEqual(['GET /api/v1/jobs/job_1/result?format=json']);
    await within(file).findByRole('button', { name: 'Download result' });
  });

  it('refuses a result download, saying why, when a correction of it could not be saved', async () => {
    const files = savedFiles();
    let refuse!: (e: Error) => void;
    trackSave(
      'job_1',
      new Promise<void>((resolve, reject) => {
        refuse = reject;
        held.push(resolve);
      }),
    ).catch(() => undefined);
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    const file = row('report.pdf');

    fireEvent.click(within(file).getByRole('button', { name: 'Download result' }));
    await act(async () => refuse(new Error('Disk full.')));
    expect((await within(file).findByRole('alert')).textContent).toMatch(/^Not downloaded: a correction could not/);
    expect(files).toEqual([]);
    expect(kiln.calls.filter((c) => c.includes('/result?format='))).toEqual([]);
  });

  it('names the jobs that keep a file, deletes it with them when asked, and the usage drops at once', async () => {
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findByText('3.0 KB of 1.0 MB stored');
    const file = row('interview.wav');
    fireEvent.click(within(file).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(file).getByRole('button', { name: 'Delete' }));
    const refusal = await within(file).findByText(/is needed by/);
    expect(within(refusal).getByRole('link', { name: 'transcribe (queued)' }).getAttribute('href')).toBe('/jobs/job_2');
    expect(kiln.files).toHaveLength(2);

    fireEvent.click(within(file).getByRole('button', { name: 'Delete with its jobs' }));
    await waitFor(() => expect(screen.queryByRole('listitem', { name: 'interview.wav' })).toBeNull());
    expect(kiln.calls.filter((c) => c.startsWith('DELETE'))).toEqual([
      'DELETE /api/v1/files/fil_2',
      'DELETE /api/v1/files/fil_2?jobs=delete',
    ]);
    await screen.findByText('1.0 KB of 1.0 MB stored');
  });

  it('says a running job must be cancelled before its file can go, and offers no deletion that would be refused', async () => {
    kiln.files[0].jobs = [{ id: 'job_2', type: 'transcribe', state: 'running' }];
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const file = await screen.findByRole('listitem', { name: 'interview.wav' });
    fireEvent.click(within(file).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(file).getByRole('button', { name: 'Delete' }));
    const refusal = await within(file).findByText(/is needed by/);
    expect(within(refusal).getByRole('link', { name: 'transcribe (running)' }).getAttribute('href')).toBe(
      '/jobs/job_2',
    );
    expect(refusal.textContent).toContain('must be cancelled before its file can go');
    expect(within(file).queryByRole('button', { name: 'Delete with its jobs' })).toBeNull();
    expect(within(file).getByRole('button', { name: 'Keep it' })).toBeTruthy();
  });

  it('says so, and keeps the file, when a job started running before "Delete with its jobs"', async () => {
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const file = await screen.findByRole('listitem', { name: 'interview.wav' });
    fireEvent.click(within(file).getByRole('button', { name: 'Delete' }));
    fireEvent.click(within(file).getByRole('button', { name: 'Delete' }));
    await within(file).findByRole('link', { name: 'transcribe (queued)' });
    kiln.files[0].jobs = [{ id: 'job_2', type: 'transcribe', state: 'running' }];
    fireEvent.click(within(file).getByRole('button', { name: 'Delete with its jobs' }));

    await within(file).findByRole('link', { name: 'transcribe (running)' });
    expect(within(file).getByText(/must be cancelled before its file can go/)).toBeTruthy();
    expect(within(file).queryByRole('button', { name: 'Delete with its jobs' })).toBeNull();
    expect(within(file).queryByRole('alert')).toBeNull();
    expect(kiln.files).toHaveLength(2);
  });

  it('deletes a selection, saying which file could not go and why', async () => {
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    fireEvent.click(screen.getByLabelText('Select interview.wav'));
    fireEvent.click(screen.getByLabelText('Select report.pdf'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete selected' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete 2 files' }));
    // By the names the page shows, not the ids (and API option) of the server's detail.
    expect((await screen.findByRole('alert')).textContent).toBe(
      'interview.wav is needed by transcribe (queued): cancel it, or delete the file on its own with its jobs.',
    );
    expect(screen.getAllByTestId('library-file').map((f) => f.getAttribute('aria-label'))).toEqual(['interview.wav']);
    await screen.findByText('2.0 KB of 1.0 MB stored');
  });

  it('says to cancel a running job first, as deleting the file with its jobs is refused then', async () => {
    kiln.files[0].jobs = [{ id: 'job_2', type: 'transcribe', state: 'running' }];
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    fireEvent.click(screen.getByLabelText('Select interview.wav'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete selected' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete 1 file' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'interview.wav is needed by transcribe (running): cancel it first.',
    );
  });

  it('takes off the page a file of the selection already deleted elsewhere', async () => {
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    kiln.files = kiln.files.filter((f) => f.name !== 'report.pdf'); // deleted in another tab since
    fireEvent.click(screen.getByLabelText('Select report.pdf'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete selected' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete 1 file' }));
    expect((await screen.findByRole('alert')).textContent).toBe('report.pdf was already deleted.');
    expect(screen.getAllByTestId('library-file').map((f) => f.getAttribute('aria-label'))).toEqual(['interview.wav']);
  });

  it("shows a file's latest jobs, the earlier ones when asked", async () => {
    kiln.files[1].jobs = Array.from({ length: 12 }, (_, i) => ({
      id: `job_${i + 10}`,
      type: 'extract',
      state: 'failed',
    }));
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const jobs = await screen.findByRole('list', { name: 'Jobs made from report.pdf' });
    const links = () =>
      within(jobs)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href'));
    expect(links()).toEqual(['/jobs/job_17', '/jobs/job_18', '/jobs/job_19', '/jobs/job_20', '/jobs/job_21']);
    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 7 earlier jobs' }));
    await waitFor(() => expect(links()).toHaveLength(12));
    expect(links()).toEqual(Array.from({ length: 12 }, (_, i) => `/jobs/job_${i + 10}`));
    expect(within(jobs).queryByRole('button')).toBeNull();
    expect(kiln.calls.filter((c) => c.startsWith('GET /api/v1/jobs'))).toEqual([
      'GET /api/v1/jobs?file=fil_1&limit=50&cursor=job_17',
    ]);
  });

  it('reads the earlier jobs of a file run many times a page at a time, none made since among them', async () => {
    kiln.files[1].jobs = Array.from({ length: 60 }, (_, i) => ({
      id: `job_${i + 100}`,
      type: 'extract',
      state: 'failed',
    }));
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const jobs = await screen.findByRole('list', { name: 'Jobs made from report.pdf' });
    const links = () =>
      within(jobs)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href'));
    // Run again after the list was read: the row shows it once the list is read again, not as an earlier one.
    kiln.files[1].jobs.push({ id: 'job_200', type: 'extract', state: 'queued' });

    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 50 of 55 earlier jobs' }));
    // Read from just after the oldest shown: the new one is not among them.
    await waitFor(() => expect(links()).toHaveLength(55));
    expect(links()[0]).toBe('/jobs/job_105');
    expect(links()).not.toContain('/jobs/job_200');
    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 5 earlier jobs' }));
    await waitFor(() => expect(links()).toHaveLength(60));
    expect(links()).toEqual(Array.from({ length: 60 }, (_, i) => `/jobs/job_${i + 100}`));
    expect(within(jobs).queryByRole('button')).toBeNull();
    expect(kiln.calls.filter((c) => c.startsWith('GET /api/v1/jobs'))).toEqual([
      'GET /api/v1/jobs?file=fil_1&limit=50&cursor=job_155',
      'GET /api/v1/jobs?file=fil_1&limit=50&cursor=job_105',
    ]);
  });

  it('shows exactly the earlier jobs of a file run many times since the list was read', async () => {
    // Was: the oldest shown job not in the first 55 read, everything not shown was taken for earlier (newer ones).
    kiln.files[1].jobs = Array.from({ length: 7 }, (_, i) => ({
      id: `job_${i + 10}`,
      type: 'extract',
      state: 'failed',
    }));
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const jobs = await screen.findByRole('list', { name: 'Jobs made from report.pdf' });
    const links = () =>
      within(jobs)
        .getAllByRole('link')
        .map((a) => a.getAttribute('href'));
    for (let i = 0; i < 60; i++) kiln.files[1].jobs.push({ id: `job_${i + 100}`, type: 'extract', state: 'queued' });

    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 2 earlier jobs' }));
    await waitFor(() => expect(links()).toHaveLength(7));
    expect(links()).toEqual(Array.from({ length: 7 }, (_, i) => `/jobs/job_${i + 10}`));
    expect(within(jobs).queryByRole('button')).toBeNull();
  });

  it('starts the earlier jobs afresh when a new read of the list gives the file other latest jobs', async () => {
    // Was: the row kept its earlier jobs and its cursor across a new search, so jobs went missing.
    kiln.files[1].jobs = Array.from({ length: 7 }, (_, i) => ({
      id: `job_${i + 10}`,
      type: 'extract',
      state: 'failed',
    }));
    const { rerender } = render(<LibraryPage http={kiln.http} processors={[]} />);
    const links = () =>
      within(screen.getByRole('list', { name: 'Jobs made from report.pdf' }))
        .getAllByRole('link')
        .map((a) => a.getAttribute('href'));
    const jobs = await screen.findByRole('list', { name: 'Jobs made from report.pdf' });
    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 2 earlier jobs' }));
    await waitFor(() => expect(links()).toHaveLength(7));
    kiln.files[1].jobs.push({ id: 'job_17', type: 'extract', state: 'queued' });
    kiln.files[1].jobs.push({ id: 'job_18', type: 'extract', state: 'queued' });

    rerender(<LibraryPage http={kiln.http} processors={[]} q="report" />);
    await waitFor(() =>
      expect(links()).toEqual(['/jobs/job_14', '/jobs/job_15', '/jobs/job_16', '/jobs/job_17', '/jobs/job_18']),
    );
    const again = screen.getByRole('list', { name: 'Jobs made from report.pdf' });
    fireEvent.click(within(again).getByRole('button', { name: 'Show 4 earlier jobs' }));
    await waitFor(() => expect(links()).toHaveLength(9));
    expect(links()).toEqual(Array.from({ length: 9 }, (_, i) => `/jobs/job_${i + 10}`));
  });

  it("says so when a file's earlier jobs cannot be read, and reads them when asked again", async () => {
    kiln.files[1].jobs = Array.from({ length: 7 }, (_, i) => ({
      id: `job_${i + 10}`,
      type: 'extract',
      state: 'failed',
    }));
    kiln.jobsProblem = json({ code: 'storage_unavailable', detail: 'The database is not answering.' }, 503);
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const jobs = await screen.findByRole('list', { name: 'Jobs made from report.pdf' });
    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 2 earlier jobs' }));
    expect((await within(jobs).findByRole('alert')).textContent).toContain('Could not read the earlier jobs');
    kiln.jobsProblem = undefined;
    fireEvent.click(within(jobs).getByRole('button', { name: 'Show 2 earlier jobs' }));
    await waitFor(() => expect(within(jobs).getAllByRole('link')).toHaveLength(7));
    expect(within(jobs).queryByRole('alert')).toBeNull();
  });

  it('tells a new user what to do, and a search that finds nothing how to clear it', async () => {
    kiln.files = [];
    render(<LibraryPage http={kiln.http} processors={[]} />);
    const empty = await screen.findByText(/Your library is empty/);
    expect(within(empty).getByRole('link', { name: 'New job' }).getAttribute('href')).toBe('/new');
    cleanup();

    window.history.replaceState(null, '', '/library?q=zebra');
    render(<LibraryPage http={kiln.http} processors={[]} q="zebra" />);
    await screen.findByText(/No files match “zebra”/);
    fireEvent.click(screen.getByRole('button', { name: 'Clear the search' }));
    expect(window.location.pathname + window.location.search).toBe('/library');
  });

  it('searches once typing pauses, keeping the search in the address for a reload', async () => {
    // As the app shows it: the page follows the address.
    function Routed() {
      const route = useRoute();
      return route.name === 'library' ? (
        <LibraryPage http={kiln.http} processors={[]} q={route.q} kind={route.kind} />
      ) : null;
    }
    render(<Routed />);
    await screen.findAllByTestId('library-file');
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'R' } });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'REP ' } });
    await waitFor(() =>
      expect(screen.getAllByTestId('library-file').map((f) => f.getAttribute('aria-label'))).toEqual(['report.pdf']),
    );
    expect(window.location.search).toBe('?q=REP');
    expect(kiln.calls.filter((c) => c.startsWith('GET /api/v1/files'))).toEqual([
      'GET /api/v1/files?limit=25',
      'GET /api/v1/files?limit=25&q=REP',
    ]);
  });

  it('loads older files on demand, after those shown', async () => {
    const [newer, older] = kiln.files;
    kiln.http = new KilnHttp({
      fetch: async (input) => {
        const url = new URL(String(input), 'http://kiln');
        if (url.pathname === '/api/v1/me/usage') return json({ usedBytes: 0, quotaBytes: 1, files: 2, jobs: {} });
        return url.searchParams.get('cursor') === 'c1'
          ? json({ items: [older], nextCursor: null, total: 2 })
          : json({ items: [newer], nextCursor: 'c1', total: 2 });
      },
    });
    render(<LibraryPage http={kiln.http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() =>
      expect(screen.getAllByTestId('library-file').map((f) => f.getAttribute('aria-label'))).toEqual([
        'interview.wav',
        'report.pdf',
      ]),
    );
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('keeps an older page of the last search out of the next one', async () => {
    const [newer, older] = kiln.files;
    let release = () => {};
    let read = () => {};
    // Resolved once the page's body has been read: what the page does with it follows in microtasks.
    const staleRead = new Promise<void>((resolve) => (read = resolve));
    const http = new KilnHttp({
      fetch: async (input) => {
        const url = new URL(String(input), 'http://kiln');
        if (url.pathname === '/api/v1/me/usage') return json({ usedBytes: 0, quotaBytes: 1, files: 2, jobs: {} });
        if (url.searchParams.get('q') === 'REP') return json({ items: [older], nextCursor: null, total: 1 });
        if (url.searchParams.get('cursor') !== 'c1') return json({ items: [newer], nextCursor: 'c1', total: 3 });
        // The server is slow with this one: the search changes meanwhile.
        await new Promise<void>((resolve) => (release = resolve));
        const stale = json({ items: [{ ...older, id: 'fil_0', name: 'old.mp3' }], nextCursor: null, total: 3 });
        const body = stale.json.bind(stale);
        stale.json = () => body().finally(read);
        return stale;
      },
    });
    const { rerender } = render(<LibraryPage http={http} processors={[]} />);
    await screen.findAllByTestId('library-file');
    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    rerender(<LibraryPage http={http} processors={[]} q="REP" />);
    const names = () => screen.getAllByTestId('library-file').map((f) => f.getAttribute('aria-label'));
    await waitFor(() => expect(names()).toEqual(['report.pdf']));

    await act(async () => {
      release();
      await staleRead;
      await new Promise((resolve) => setTimeout(resolve, 0)); // every microtask after the read runs first
    });
    expect(names()).toEqual(['report.pdf']);
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it("shows the API's problem when the list cannot be read", async () => {
    kiln.http = new KilnHttp({
      fetch: async () => json({ code: 'invalid_params', detail: 'q may be at most 255 characters.' }, 400),
    });
    render(<LibraryPage http={kiln.http} processors={[]} />);
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not read your files: q may be at most 255 characters.',
    );
  });
});
