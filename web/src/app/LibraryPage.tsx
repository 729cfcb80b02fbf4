import { useCallback, useEffect, useRef, useState } from 'react';
import type { KilnHttp } from '../live';
import { messageOf } from './errors';
import { bytes } from './format';
import {
  deleteFiles,
  isKind,
  refusalOf,
  libraryPath,
  listFiles,
  readUsage,
  type Kind,
  type Deleted,
  type LibraryFile,
} from './library';
import { LibraryFileRow } from './LibraryFile';
import { Link } from './Link';
import type { ProcessorInfo } from './processors';
import { navigate } from './router';
import { useChanged } from './useChanged';
import { useLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

const PAGE = 25;
const TYPING_PAUSE_MS = 300;

/**
 * Your files, newest first, with the jobs made from them: search by name, filter by kind, play or
 * open, download, delete. The search and the kind live in the address, so a reload keeps them.
 */
export function LibraryPage({
  http,
  processors,
  q = '',
  kind,
}: {
  http: KilnHttp;
  processors: ProcessorInfo[];
  q?: string;
  kind?: Kind;
}) {
  const usage = useLoad(() => readUsage(http), [http]);
  const files = useFiles(http, q, kind);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const deleted = (ids: string[]) => {
    files.remove(ids);
    setSelected((s) => new Set([...s].filter((id) => !ids.includes(id))));
    usage.reload();
  };
  const filtered = q !== '' || kind !== undefined;

  return (
    <section className="panel" aria-labelledby="library-title">
      <div className="panel-head">
        <h1 id="library-title">Library</h1>
        {usage.data && (
          <p className="note" data-testid="library-usage">
            {bytes(usage.data.usedBytes)} of {bytes(usage.data.quotaBytes)} stored
          </p>
        )}
      </div>
      <LibraryFilters q={q} kind={kind} />
      {files.error !== undefined && <ErrorLine>Could not read your files: {messageOf(files.error)}</ErrorLine>}
      {files.items.length === 0 && !files.loading && files.error === undefined && (
        <EmptyLibrary filtered={filtered} q={q} />
      )}
      {files.items.length > 0 && (
        <>
          <BulkDeletion
            http={http}
            files={files.items.filter((f) => selected.has(f.id))}
            total={files.total}
            onDeleted={deleted}
          />
          <ul className="library-list" data-testid="library-list">
            {files.items.map((file) => (
              <LibraryFileRow
                key={file.id}
                http={http}
                file={file}
                processors={processors}
                selected={selected.has(file.id)}
                onSelect={(on) =>
                  setSelected((s) => new Set(on ? [...s, file.id] : [...s].filter((id) => id !== file.id)))
                }
                onDeleted={() => deleted([file.id])}
              />
            ))}
          </ul>
        </>
      )}
      {files.next !== null && (
        <button type="button" className="more" disabled={files.loading} onClick={files.more}>
          Load more
        </button>
      )}
    </section>
  );
}

/** The pages of files read so far for a search; an older page on demand. */
function useFiles(http: KilnHttp, q: string, kind: Kind | undefined) {
  const [items, setItems] = useState<LibraryFile[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  if (useChanged([http, q, kind])) setLoading(true);
  const read = useCallback(
    (cursor: string | undefined, isCurrent: () => boolean = () => true) =>
      listFiles(http, { q, kind, cursor, limit: PAGE }).then(
        (page) => {
          if (!isCurrent()) return;
          setItems((current) => (cursor === undefined ? page.items : [...current, ...page.items]));
          setNext(page.nextCursor);
          setTotal(page.total);
          setError(undefined);
          setLoading(false);
        },
        (e: unknown) => {
          if (!isCurrent()) return;
          setError(e);
          setLoading(false);
        },
      ),
    [http, q, kind],
  );
  // Counts the searches read: one more page asked for under an earlier search is dropped.
  const search = useRef(0);
  useEffect(() => {
    let current = true;
    search.current++;
    void read(undefined, () => current);
    return () => {
      current = false;
    };
  }, [read]);
  return {
    items,
    next,
    total,
    error,
    loading,
    more: () => {
      if (next === null) return;
      setLoading(true);
      const mine = search.current;
      void read(next, () => search.current === mine);
    },
    remove: (ids: string[]) => {
      setItems((current) => current.filter((f) => !ids.includes(f.id)));
      setTotal((t) => Math.max(0, t - ids.length));
    },
  };
}

/** The search box (applied once typing pauses) and the kind; both go into the address. */
function LibraryFilters({ q, kind }: { q: string; kind?: Kind }) {
  const [text, setText] = useState(q);
  // Back or forward to another search: the box shows it.
  if (useChanged([q]) && text.trim() !== q) setText(q);
  useEffect(() => {
    if (text.trim() === q) return;
    const wait = setTimeout(() => navigate(libraryPath(text.trim(), kind), { replace: true }), TYPING_PAUSE_MS);
    return () => clearTimeout(wait);
  }, [text, q, kind]);
  return (
    <div className="filters" role="search">
      <label>
        Name
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Search by name" />
      </label>
      <label>
        Kind
        <select
          value={kind ?? ''}
          onChange={(e) => navigate(libraryPath(text.trim(), isKind(e.target.value) ? e.target.value : undefined))}
        >
          <option value="">All</option>
          <option value="audio">Audio</option>
          <option value="video">Video</option>
          <option value="documents">Documents</option>
        </select>
      </label>
    </div>
  );
}

function EmptyLibrary({ filtered, q }: { filtered: boolean; q: string }) {
  if (!filtered)
    return (
      <p className="empty">
        Your library is empty. Upload a recording or document on <Link to="/new">New job</Link>: the file and its
        results are kept here, to play, download or delete.
      </p>
    );
  return (
    <p className="empty">
      No files match{q ? ` “${q}”` : ''}.{' '}
      <button type="button" className="link" onClick={() => navigate(libraryPath('', undefined))}>
        Clear the search
      </button>
    </p>
  );
}

/** Deletes the files ticked, once confirmed; says which could not go, and why. */
function BulkDeletion({
  http,
  files,
  total,
  onDeleted,
}: {
  http: KilnHttp;
  files: LibraryFile[];
  total: number;
  onDeleted(ids: string[]): void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const remove = async () => {
    setBusy(true);
    // A large selection goes in several requests: what the ones before a failure did still shows.
    const outcome: Deleted[] = [];
    let failure: string | undefined;
    try {
      await deleteFiles(
        http,
        files.map((f) => f.id),
        (some) => outcome.push(...some),
      );
    } catch (e) {
      failure = messageOf(e);
    }
    // A file already deleted (elsewhere, since the list was read) is gone as well: its row goes too.
    const gone = outcome.filter((d) => d.status === 204 || d.code === 'file_not_found').map((d) => d.id);
    if (outcome.length > 0) onDeleted(gone);
    const byId = new Map(files.map((f) => [f.id, f]));
    const refused = outcome.filter((d) => d.status !== 204).map((d) => refusalOf(byId.get(d.id), d));
    setProblems(failure === undefined ? refused : [...refused, failure]);
    setBusy(false);
    setConfirming(false);
  };
  return (
    <div className="library-bulk">
      <p className="note">
        {total} {total === 1 ? 'file' : 'files'}
        {files.length > 0 && `, ${files.length} selected`}
      </p>
      {files.length > 0 &&
        (confirming ? (
          <span className="confirm">
            <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
              Delete {files.length} {files.length === 1 ? 'file' : 'files'}
            </button>{' '}
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Keep them
            </button>
          </span>
        ) : (
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            Delete selected
          </button>
        ))}
      {problems.length > 0 && (
        <ul role="alert" className="error">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
