// The browser's sign-in. An API token is exchanged once for a session cookie that page scripts
// cannot read (HttpOnly); nothing of it is kept in localStorage. Every tab of the app shares the
// cookie; each one asks the server who it is when it loads, and keeps the session's CSRF token,
// which must accompany every unsafe request, in memory only.

import { HttpError, KilnHttp, malformed } from '../live';

export type Role = 'member' | 'admin';

export interface SessionUser {
  id: string;
  name: string;
  role: Role;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
  expiresAt: string;
}

export function isUser(value: unknown): value is SessionUser {
  const u = value as SessionUser;
  return (
    typeof u === 'object' &&
    u !== null &&
    typeof u.id === 'string' &&
    typeof u.name === 'string' &&
    (u.role === 'member' || u.role === 'admin')
  );
}

/** A cookie session as GET/POST /api/v1/session describe it (a bearer caller's answer has no CSRF token: not one). */
export function isSession(value: unknown): value is Session {
  const s = value as Session & { via?: unknown };
  return (
    typeof s === 'object' &&
    s !== null &&
    isUser(s.user) &&
    s.via === 'cookie' &&
    typeof s.csrfToken === 'string' &&
    s.csrfToken !== '' &&
    typeof s.expiresAt === 'string'
  );
}

/** Where the app kept the token before it used a cookie; removed wherever it is still found. */
const OLD_TOKEN_KEY = 'kiln.token';

export function forgetStoredToken(): void {
  localStorage.removeItem(OLD_TOKEN_KEY);
  sessionStorage.removeItem(OLD_TOKEN_KEY);
}

/** Who this browser is signed in as; null when it is not. */
export async function currentSession(http = new KilnHttp()): Promise<Session | null> {
  try {
    const body = await http.call('/api/v1/session');
    if (!isSession(body)) throw malformed('session answer');
    return body;
  } catch (e) {
    if (e instanceof HttpError && e.status === 401) return null;
    throw e;
  }
}

/** Opens a session with an API token; the server sets the cookie. */
export async function signIn(token: string, http = new KilnHttp()): Promise<Session> {
  const body = await http.call('/api/v1/session', { method: 'POST', body: { token: token.trim() } });
  if (!isSession(body)) throw malformed('session answer');
  return body;
}

/** Ends this browser's session (every tab's, since they share the cookie), with the signed-in app's client, which adds the CSRF token. */
export async function signOut(http: KilnHttp): Promise<void> {
  await http.call('/api/v1/session', { method: 'DELETE' });
}

/**
 * The sign-in link printed at first start carries the token in its fragment, which browsers never
 * send to a server. Takes it, and removes it from the address bar and history.
 */
export function takeTokenFromLink(): string | null {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', '/');
  return decodeURIComponent(match[1]);
}

let starting: Promise<Session | null> | undefined;

/**
 * The session to start with: the link's token signed in with, or else the cookie's session. Once
 * per page load (React runs a first effect twice in development).
 */
export function startingSession(): Promise<Session | null> {
  starting ??= (async () => {
    forgetStoredToken();
    const token = takeTokenFromLink();
    return token ? signIn(token) : currentSession();
  })();
  return starting;
}

/** Tabs tell each other when this browser signs in or out, so none goes on as someone it no longer is. */
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('kiln.session');

export function announceSessionChange(): void {
  channel?.postMessage('changed');
}

export function onSessionChange(listener: () => void): () => void {
  if (!channel) return () => {};
  channel.addEventListener('message', listener);
  return () => channel.removeEventListener('message', listener);
}
