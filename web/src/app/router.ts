// The app's few routes, on the History API: real paths, so a deep link survives a refresh (the
// server answers every such path with the app).

import { useEffect, useState } from 'react';

export type Route =
  | { name: 'jobs' }
  | { name: 'job'; id: string }
  | { name: 'new' }
  | { name: 'signin' }
  | { name: 'notfound'; path: string };

export function parseRoute(path: string): Route {
  if (path === '/' || path === '/jobs') return { name: 'jobs' };
  if (path === '/new') return { name: 'new' };
  if (path === '/signin') return { name: 'signin' };
  const job = /^\/jobs\/([A-Za-z0-9_-]+)$/.exec(path);
  if (job) return { name: 'job', id: job[1] };
  return { name: 'notfound', path };
}

export function navigate(path: string): void {
  window.history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const changed = () => setPath(window.location.pathname);
    window.addEventListener('popstate', changed);
    return () => window.removeEventListener('popstate', changed);
  }, []);
  return parseRoute(path);
}
