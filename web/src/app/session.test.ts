// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { KilnHttp } from '../live';
import { currentSession, forgetStoredToken, isSession, signIn, takeTokenFromLink } from './session';

const session = {
  user: { id: 'usr_1', name: 'admin', role: 'admin' },
  via: 'cookie',
  csrfToken: 'c1',
  expiresAt: '2026-11-30T10:00:00Z',
};

function answering(
  status: number,
  body: unknown,
  asked: { method: string; url: string; body?: string; headers: Headers }[] = [],
) {
  return new KilnHttp({
    fetch: async (input, init) => {
      asked.push({
        method: init?.method ?? 'GET',
        url: String(input),
        body: init?.body as string,
        headers: new Headers(init?.headers),
      });
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    },
  });
}

afterEach(() => {
  localStorage.clear();
  sessionStorage.clear();
  window.history.replaceState(null, '', '/');
});

describe('the browser session', () => {
  it("is a cookie session with a CSRF token; a bearer caller's answer is not one", () => {
    expect(isSession(session)).toBe(true);
    expect(isSession({ ...session, via: 'token', csrfToken: undefined })).toBe(false);
    expect(isSession({ ...session, csrfToken: '' })).toBe(false);
    expect(isSession({ ...session, user: { ...session.user, role: 'root' } })).toBe(false);
  });

  it('is read from the server; 401 means signed out, anything else is a problem', async () => {
    expect(await currentSession(answering(200, session))).toEqual(session);
    expect(await currentSession(answering(401, { code: 'unauthenticated', detail: 'Sign in.' }))).toBeNull();
    await expect(
      currentSession(answering(503, { code: 'database_unavailable', detail: 'Later.' })),
    ).rejects.toMatchObject({ status: 503 });
    await expect(currentSession(answering(200, { user: session.user }))).rejects.toThrow(
      'The session answer is malformed.',
    );
  });

  it('is opened by posting the token, which is kept nowhere', async () => {
    const asked: { method: string; url: string; body?: string; headers: Headers }[] = [];
    expect(await signIn('  kiln_secret \n', answering(201, session, asked))).toEqual(session);
    expect(asked[0].method).toBe('POST');
    expect(asked[0].url).toBe('/api/v1/session');
    expect(JSON.parse(asked[0].body ?? '')).toEqual({ token: 'kiln_secret' });
    expect(asked[0].headers.get('Content-Type')).toBe('application/json');
    expect(asked[0].headers.has('Authorization')).toBe(false);
    expect(localStorage.length + sessionStorage.length).toBe(0);
    await expect(
      signIn(
        'kiln_bad',
        answering(401, { code: 'unauthenticated', detail: 'The token is unknown, revoked or expired.' }),
      ),
    ).rejects.toThrow('The token is unknown, revoked or expired.');
  });

  it("takes the link's token out of the address bar", () => {
    window.history.replaceState(null, '', '/signin#token=kiln_abc%2Bd');
    expect(takeTokenFromLink()).toBe('kiln_abc+d');
    expect(window.location.href).toBe('http://localhost:3000/');
    expect(takeTokenFromLink()).toBeNull();
  });

  it('forgets a token an earlier version kept in storage', () => {
    localStorage.setItem('kiln.token', 'kiln_old');
    localStorage.setItem('tus::fingerprint', 'kept');
    sessionStorage.setItem('kiln.token', 'kiln_old');
    forgetStoredToken();
    expect(localStorage.getItem('kiln.token')).toBeNull();
    expect(sessionStorage.getItem('kiln.token')).toBeNull();
    expect(localStorage.getItem('tus::fingerprint')).toBe('kept');
  });
});
