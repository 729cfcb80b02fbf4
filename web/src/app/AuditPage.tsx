import { useCallback, useEffect, useState } from 'react';
import type { KilnHttp } from '../live';
import { AUDIT_ACTIONS, listUsers, readAudit, type AuditEntry } from './accounts';
import { messageOf } from './errors';
import { dateTime } from './format';
import { Link } from './Link';
import { NotAllowed } from './NotAllowed';
import { navigate } from './router';
import type { Session } from './session';
import { isForbidden } from './UsersPage';
import { useChanged } from './useChanged';
import { useLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

const PAGE = 50;

/** Admins: what happened, newest first; filter by action and by user; older entries on demand. */
export function AuditPage({
  http,
  session,
  actor,
  action,
}: {
  http: KilnHttp;
  session: Session;
  actor?: string;
  action?: string;
}) {
  const users = useLoad(() => listUsers(http), [http]);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);

  // Other filters: their first page is loading from this render on (the effect below reads it).
  if (useChanged([http, actor, action])) setLoading(true);
  // One page: the first replaces what shows, an older one is added below it.
  const read = useCallback(
    (cursor: string | undefined, isCurrent: () => boolean = () => true) =>
      readAudit(http, { actor, action, cursor, limit: PAGE }).then(
        (page) => {
          if (!isCurrent()) return;
          setEntries((current) => (cursor === undefined ? page.items : [...current, ...page.items]));
          setNext(page.nextCursor);
          setError(undefined);
          setLoading(false);
        },
        (e: unknown) => {
          if (!isCurrent()) return;
          setError(e);
          setLoading(false);
        },
      ),
    [http, actor, action],
  );
  useEffect(() => {
    let current = true;
    void read(undefined, () => current);
    return () => {
      current = false;
    };
  }, [read]);
  const older = (cursor: string) => {
    setLoading(true);
    void read(cursor);
  };

  // The filters live in the address, so a filtered view can be linked to and survives a refresh.
  const filter = (change: { actor?: string; action?: string }) => {
    const query = new URLSearchParams();
    const merged = { actor, action, ...change };
    if (merged.actor) query.set('actor', merged.actor);
    if (merged.action) query.set('action', merged.action);
    navigate(`/admin/audit${query.size ? `?${query}` : ''}`);
  };

  if (isForbidden(error) || isForbidden(users.error)) return <NotAllowed user={session.user} />;
  return (
    <section className="panel" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div className="filters">
        <label>
          Action
          <select value={action ?? ''} onChange={(e) => filter({ action: e.target.value || undefined })}>
            <option value="">All</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          User
          <select value={actor ?? ''} onChange={(e) => filter({ actor: e.target.value || undefined })}>
            <option value="">Everyone</option>
            {actor && !users.data?.some((u) => u.id === actor) && <option value={actor}>{actor}</option>}
            {users.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== undefined && <ErrorLine>Could not read the audit log: {messageOf(error)}</ErrorLine>}
      {entries.length === 0 && !loading && error === undefined && (
        <p className="empty">Nothing recorded{actor || action ? ' that matches' : ''}.</p>
      )}
      {entries.length > 0 && (
        <table className="table" data-testid="audit">
          <caption className="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Target</th>
              <th scope="col">IP</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.seq}>
                <td data-label="Time">
                  <time dateTime={entry.at}>{dateTime(entry.at)}</time>
                </td>
                <td data-label="Who">
                  {entry.actor ? (
                    <Link to={`/admin/users/${entry.actor.id}`}>{entry.actor.name}</Link>
                  ) : (
                    <span className="note">nobody signed in</span>
                  )}
                </td>
                <td data-label="What">
                  <code className="action">{entry.action}</code>
                  {entry.detail && Object.keys(entry.detail).length > 0 && <Detail detail={entry.detail} />}
                </td>
                <td data-label="Target">{entry.target ? <Target target={entry.target} /> : '—'}</td>
                <td data-label="IP" title={entry.userAgent ?? undefined}>
                  {entry.ip ?? '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loading && (
        <p aria-busy="true" className="note">
          Loading…
        </p>
      )}
      {next && !loading && (
        <button type="button" className="more" onClick={() => older(next)}>
          Older entries
        </button>
      )}
    </section>
  );
}

function Target({ target }: { target: { type: string; id: string } }) {
  if (target.type === 'job') return <Link to={`/jobs/${target.id}`}>{target.id}</Link>;
  if (target.type === 'user') return <Link to={`/admin/users/${target.id}`}>{target.id}</Link>;
  return (
    <>
      {target.type} <span className="job-id">{target.id}</span>
    </>
  );
}

function Detail({ detail }: { detail: Record<string, unknown> }) {
  return (
    <span className="detail">
      {Object.entries(detail).map(([key, value]) => (
        <span key={key}>
          {key}: {typeof value === 'string' ? value : JSON.stringify(value)}
        </span>
      ))}
    </span>
  );
}
