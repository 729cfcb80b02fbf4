// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KilnHttp } from '../live';
import { parseRoute } from './router';
import { hitPath, type SearchHit } from './search';
import { SearchBox, SearchPage } from './SearchPage';

afterEach(cleanup);

const moment: SearchHit = {
  jobId: 'job_1',
  jobType: 'transcribe',
  fileId: 'file_1',
  fileName: 'interview.wav',
  segment: 4,
  text: 'We met <img src=x onerror=alert(1)> at the harbour.',
  snippet: [{ text: 'We met <img src=x onerror=alert(1)> at the ' }, { text: 'harbour', match: true }, { text: '.' }],
  anchor: { startSeconds: 83.5, endSeconds: 86 },
  score: 1.5,
  retrievers: ['text'],
};

const page: SearchHit = {
  ...moment,
  jobId: 'job_2',
  jobType: 'extract',
  fileName: 'report.pdf',
  segment: 0,
  text: 'The harbour report.',
  snippet: [{ text: 'The ' }, { text: 'harbour', match: true }, { text: ' report.' }],
  anchor: { pageFrom: 3, pageTo: 4 },
};

/** A Kiln answering searches from two pages of hits. */
class FakeSearch {
  calls: string[] = [];
  http = new KilnHttp({
    csrf: () => 'csrf_1',
    fetch: async (input) => {
      const url = new URL(String(input), 'http://kiln');
      this.calls.push(`${url.pathname}${url.search}`);
      const second = url.searchParams.get('cursor') === 'c2';
      const body = second ? { items: [page], nextCursor: null } : { items: [moment], nextCursor: 'c2' };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
    },
  });
}

let kiln: FakeSearch;
beforeEach(() => {
  kiln = new FakeSearch();
  window.history.replaceState(null, '', '/search?q=harbour');
});

describe('the search page', () => {
  it('shows each hit with its source, its moment or pages, and its marked words as text', async () => {
    render(<SearchPage http={kiln.http} q="harbour" />);
    const results = await screen.findByRole('list', { name: 'Search results' });
    const first = within(results).getAllByRole('listitem')[0];
    expect(first.querySelector('img')).toBeNull();
    expect(first.textContent).toContain('<img src=x onerror=alert(1)>');
    expect([...first.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['harbour']);
    const link = within(first).getByRole('link');
    expect(link.textContent).toBe('interview.wav 1:23');
    expect(link.getAttribute('href')).toBe('/jobs/job_1?segment=4&t=83.5');
    expect(kiln.calls).toEqual(['/api/v1/search?q=harbour&limit=20']);

    fireEvent.click(screen.getByRole('button', { name: 'More results' }));
    await screen.findByText('report.pdf');
    const second = within(results).getAllByRole('listitem')[1];
    expect(within(second).getByRole('link').textContent).toBe('report.pdf pp. 3–4');
    expect(within(second).getByRole('link').getAttribute('href')).toBe('/jobs/job_2?segment=0');
    expect(screen.queryByRole('button', { name: 'More results' })).toBeNull();
  });

  it('says so when nothing matches, and searches from the header box', async () => {
    const empty = new KilnHttp({
      csrf: () => 'csrf_1',
      fetch: async () =>
        new Response(JSON.stringify({ items: [], nextCursor: null }), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    });
    render(<SearchPage http={empty} q="nothing" />);
    expect(await screen.findByText('Nothing of yours holds all of “nothing”.')).toBeTruthy();
    cleanup();
    render(<SearchBox />);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: '  the harbour ' } });
    fireEvent.submit(screen.getByRole('search'));
    expect(window.location.pathname + window.location.search).toBe('/search?q=the+harbour');
  });
});

describe('search routes', () => {
  it('open the search page and a job at a hit', () => {
    expect(parseRoute('/search', '?q=a%20b')).toEqual({ name: 'search', q: 'a b' });
    expect(parseRoute('/jobs/job_1', '?segment=4&t=83.5')).toEqual({ name: 'job', id: 'job_1', segment: 4, t: 83.5 });
    expect(parseRoute('/jobs/job_1', '?segment=-1&t=x')).toEqual({ name: 'job', id: 'job_1' });
    expect(
      parseRoute(new URL(hitPath(moment), 'http://kiln').pathname, new URL(hitPath(moment), 'http://kiln').search),
    ).toEqual({
      name: 'job',
      id: 'job_1',
      segment: 4,
      t: 83.5,
    });
  });
});
