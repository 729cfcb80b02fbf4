// The app's few routes, on the History API: real paths, so a deep link survives a refresh (the
// server answers every such path with the app).

import { useEffect, useState } from 'react';
import { isJobState, type JobState } from '../live';
import { isKind, type Kind } from './library';

export type Route =
  | { name: 'jobs'; state?: JobState; type?: string }
  | { name: 'job'; id: string; segment?: number; t?: number }
  | { name: 'search'; q?: string }
  | { name: 'ask'; id?: string }
  | { name: 'batch'; id: string }
  | { name: 'new' }
  | { name: 'signin' }
  | { name: 'account' }
  | { name: 'library'; q?: string; kind?: Kind }
  | { name: 'users' }
  | { name: 'user'; id: string }
  | { name: 'audit'; actor?: string; action?: string }
  | { name: 'notfound'; path: string };

/** Routes only administrators may open (the server refuses their API to anyone else anyway). */
export const ADMIN_ROUTES: ReadonlySet<Route['name']> = new Set(['users', 'user', 'audit']);

export function parseRoute(path: string, search = ''): Route {
  if (path === '/' || path === '/jobs') {
    // The list's filters live in the address, so Back from a job comes back to the list as it was; a state
    // Kiln does not know is no filter (the list would be refused while its select said All).
    const query = new URLSearchParams(search);
    const state = query.get('state');
    return { name: 'jobs', state: isJobState(state) ? state : undefined, type: query.get('type') || undefined };
  }
  if (path === '/new') return { name: 'new' };
  if (path === '/signin') return { name: 'signin' };
  if (path === '/account') return { name: 'account' };
  if (path === '/library') {
    const query = new URLSearchParams(search);
    const kind = query.get('type');
    return { name: 'library', q: query.get('q') || undefined, kind: isKind(kind) ? kind : undefined };
  }
  if (path === '/ask') return { name: 'ask' };
  if (path === '/search') return { name: 'search', q: new URLSearchParams(search).get('q') || undefined };
  if (path === '/admin/users') return { name: 'users' };
  if (path === '/admin/audit') {
    const query = new URLSearchParams(search);
    return { name: 'audit', actor: query.get('actor') || undefined, action: query.get('action') || undefined };
  }
  const user = /^\/admin\/users\/([A-Za-z0-9_-]+)$/.exec(path);
  if (user) return { name: 'user', id: user[1] };
  const job = /^\/jobs\/([A-Za-z0-9_-]+)$/.exec(path);
  if (job) return { name: 'job', id: job[1], ...jobTarget(new URLSearchParams(search)) };
  const answer = /^\/ask\/([A-Za-z0-9_-]+)$/.exec(path);
  if (answer) return { name: 'ask', id: answer[1] };
  const batch = /^\/batches\/([A-Za-z0-9_-]+)$/.exec(path);
  if (batch) return { name: 'batch', id: batch[1] };
  return { name: 'notfound', path };
}

/** The jobs list's address with its filters: `/`, or `/?state=failed&type=transcribe`. */
export function jobsPath(state: string | undefined, type: string | undefined): string {
  const query = new URLSearchParams();
  if (state) query.set('state', state);
  if (type) query.set('type', type);
  return `/${query.size ? `?${query}` : ''}`;
}

/** Where a job page opens: at a segment (highlighted, scrolled to) and, for a recording, a moment. */
export interface Target {
  segment?: number;
  t?: number;
}

/** Where a search hit opens a job: `segment` (its index) and `t` (seconds into the recording). */
function jobTarget(query: URLSearchParams): { segment?: number; t?: number } {
  const segment = Number(query.get('segment') ?? NaN);
  const t = Number(query.get('t') ?? NaN);
  return {
    ...(Number.isInteger(segment) && segment >= 0 ? { segment } : {}),
    ...(Number.isFinite(t) && t >= 0 ? { t } : {}),
  };
}

/** Goes to a path in the app; `replace` for a change not worth a Back step (a search as it is typed). */
export function navigate(path: string, { replace = false } = {}): void {
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [where, setWhere] = useState({ path: window.location.pathname, search: window.location.search });
  useEffect(() => {
    const changed = () => setWhere({ path: window.location.pathname, search: window.location.search });
    window.addEventListener('popstate', changed);
    return () => window.removeEventListener('popstate', changed);
  }, []);
  return parseRoute(where.path, where.search);
}
