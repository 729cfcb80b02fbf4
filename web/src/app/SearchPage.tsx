import { useState, type FormEvent } from 'react';
import type { KilnHttp } from '../live';
import { messageOf } from './errors';
import { timestamp } from './format';
import { Link } from './Link';
import { navigate } from './router';
import { hitPath, search, type SearchPage as Page } from './search';
import { useLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

/** The header's search box: a search opens the Search page. */
export function SearchBox({ initial = '' }: { initial?: string }) {
  const [q, setQ] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (q.trim()) navigate(`/search?${new URLSearchParams({ q: q.trim() })}`);
  };
  return (
    <form role="search" className="search-box" onSubmit={submit}>
      <input
        type="search"
        aria-label="Search your transcripts and documents"
        placeholder="Search"
        value={q}
        maxLength={500}
        onChange={(e) => setQ(e.target.value)}
      />
    </form>
  );
}

/** Hits for `q` in the caller's transcripts and documents, best first; each opens its job at the spot. */
export function SearchPage({ http, q }: { http: KilnHttp; q?: string }) {
  const first = useLoad<Page | undefined>(async () => (q ? search(http, q) : undefined), [http, q]);
  // The pages "More results" added, with the first page they follow: a new search shows none of them.
  const [more, setMore] = useState<{ after?: Page; pages: Page[] }>({ pages: [] });
  const pages = first.data ? [first.data, ...(more.after === first.data ? more.pages : [])] : [];
  const cursor = pages.at(-1)?.nextCursor ?? null;
  const hits = pages.flatMap((p) => p.items);
  const loadMore = async () => {
    const after = first.data;
    if (!q || !cursor || !after) return;
    const page = await search(http, q, cursor);
    setMore((m) => ({ after, pages: m.after === after ? [...m.pages, page] : [page] }));
  };
  return (
    <section className="search-page">
      <h1>Search</h1>
      <SearchBox key={q} initial={q} />
      {!q && <p className="note">Type words from a recording or a document.</p>}
      {first.error !== undefined && <ErrorLine>Could not search: {messageOf(first.error)}</ErrorLine>}
      {q && first.data && hits.length === 0 && <p className="note">Nothing of yours holds all of “{q}”.</p>}
      <ol className="hits" aria-label="Search results">
        {hits.map((hit) => (
          <li key={`${hit.jobId}:${hit.segment}`} className="hit">
            <Link to={hitPath(hit)} className="hit-link">
              <span className="hit-source">{hit.fileName ?? hit.jobType}</span>{' '}
              <span className="time">{anchorText(hit.anchor, hit.segment)}</span>
            </Link>
            <p className="snippet">
              {hit.snippet.map((part, i) =>
                part.match ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
              )}
            </p>
          </li>
        ))}
      </ol>
      {cursor && (
        <button type="button" onClick={() => void loadMore()}>
          More results
        </button>
      )}
    </section>
  );
}

/** Where in its source a passage lies: a moment, a page range, or its number. */
export function anchorText(
  { startSeconds, pageFrom, pageTo }: { startSeconds?: number; pageFrom?: number; pageTo?: number },
  segment: number,
): string {
  if (startSeconds !== undefined) return timestamp(startSeconds);
  if (pageFrom !== undefined)
    return pageTo !== undefined && pageTo !== pageFrom ? `pp. ${pageFrom}–${pageTo}` : `p. ${pageFrom}`;
  return `passage ${segment + 1}`;
}
