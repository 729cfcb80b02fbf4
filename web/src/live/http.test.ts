import { describe, expect, it } from 'vitest';
import { CSRF_HEADER, HttpError, isUnsafe, KilnHttp } from './http';

interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body?: string;
}

/** A fetch that records what it was sent and answers from a list, in order. */
function recorder(...answers: Response[]) {
  const sent: Sent[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({
      method: init?.method ?? 'GET',
      url: String(input),
      headers: new Headers(init?.headers),
      body: init?.body as string | undefined,
    });
    return answers.shift() ?? new Response(null, { status: 204 });
  };
  return { sent, fetch };
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('KilnHttp credentials', () => {
  it('sends a bearer token on every request, for API and CLI use', async () => {
    const { sent, fetch } = recorder(json({ ok: true }), json({ ticket: 'wst_1' }));
    const http = new KilnHttp({ baseUrl: 'http://kiln.test', token: () => 'kiln_t', fetch });
    await http.call('/api/v1/processors');
    await http.ticket();
    expect(sent.map((s) => s.headers.get('Authorization'))).toEqual(['Bearer kiln_t', 'Bearer kiln_t']);
    expect(sent.every((s) => !s.headers.has(CSRF_HEADER))).toBe(true);
    expect(sent[0].url).toBe('http://kiln.test/api/v1/processors');
  });

  it('with a cookie session sends the CSRF token on unsafe methods only, and never a bearer token', async () => {
    const { sent, fetch } = recorder();
    const http = new KilnHttp({ csrf: () => 'csrf_1', fetch });
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE', 'post']) {
      await http.fetch('/api/v1/x', { method });
    }
    await http.fetch('/api/v1/x');
    expect(sent.map((s) => [s.method, s.headers.get(CSRF_HEADER)])).toEqual([
      ['GET', null],
      ['HEAD', null],
      ['OPTIONS', null],
      ['POST', 'csrf_1'],
      ['PUT', 'csrf_1'],
      ['PATCH', 'csrf_1'],
      ['DELETE', 'csrf_1'],
      ['post', 'csrf_1'],
      ['GET', null],
    ]);
    expect(sent.every((s) => !s.headers.has('Authorization'))).toBe(true);
  });

  it('keeps the headers a caller set next to the credentials', async () => {
    const { sent, fetch } = recorder();
    const http = new KilnHttp({ csrf: () => 'csrf_1', fetch });
    await http.fetch('/api/v1/jobs/job_1/events', { headers: { Accept: 'text/event-stream', 'Last-Event-ID': '7' } });
    await http.call('/api/v1/jobs', { method: 'POST', body: { type: 'test-noop' } });
    expect(sent[0].headers.get('Last-Event-ID')).toBe('7');
    expect(sent[0].headers.get('Accept')).toBe('text/event-stream');
    expect(sent[1].headers.get('Content-Type')).toBe('application/json');
    expect(sent[1].headers.get(CSRF_HEADER)).toBe('csrf_1');
    expect(sent[1].body).toBe('{"type":"test-noop"}');
  });

  it('reads the CSRF token at each request, so a renewed one is used at once', async () => {
    const { sent, fetch } = recorder();
    let csrf = 'old';
    const http = new KilnHttp({ csrf: () => csrf, fetch });
    await http.fetch('/a', { method: 'POST' });
    csrf = 'new';
    await http.fetch('/a', { method: 'POST' });
    expect(sent.map((s) => s.headers.get(CSRF_HEADER))).toEqual(['old', 'new']);
  });

  it('after a refused CSRF token renews it and sends the request once more', async () => {
    const refused = () => json({ code: 'csrf_token_invalid', detail: 'Send X-Kiln-CSRF.' }, 403);
    const { sent, fetch } = recorder(refused(), json({ id: 'job_1' }, 201), refused(), refused());
    let csrf = 'stale';
    let renewals = 0;
    const http = new KilnHttp({
      csrf: () => csrf,
      fetch,
      renewCsrf: async () => {
        renewals++;
        csrf = 'fresh';
        return true;
      },
    });
    expect(await http.call('/api/v1/jobs', { method: 'POST', body: {} })).toEqual({ id: 'job_1' });
    expect(sent.map((s) => s.headers.get(CSRF_HEADER))).toEqual(['stale', 'fresh']);
    expect(sent[1].body).toBe('{}');
    // Refused again after renewing: the problem reaches the caller; no loop.
    await expect(http.call('/api/v1/jobs', { method: 'POST', body: {} })).rejects.toMatchObject({
      status: 403,
      code: 'csrf_token_invalid',
    });
    expect(renewals).toBe(2);
    expect(sent).toHaveLength(4);
  });

  it('does not renew for other refusals', async () => {
    const { sent, fetch } = recorder(json({ code: 'forbidden', detail: 'Your role does not allow this.' }, 403));
    let renewals = 0;
    const http = new KilnHttp({ csrf: () => 'c', fetch, renewCsrf: async () => (renewals++, true) });
    const error = await http.call('/api/v1/admin/users', { method: 'POST', body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', message: 'Your role does not allow this.' });
    expect(renewals).toBe(0);
    expect(sent).toHaveLength(1);
  });

  it('reports a 401 from any request, so the app can go back to sign-in', async () => {
    const { fetch } = recorder(
      json({ ok: 1 }),
      json({ code: 'unauthenticated', detail: 'Sign in.' }, 401),
      new Response(null, { status: 401 }),
    );
    let reported = 0;
    const http = new KilnHttp({ fetch, onUnauthenticated: () => reported++ });
    await http.call('/api/v1/processors');
    expect(reported).toBe(0);
    await expect(http.call('/api/v1/processors')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await http.fetch('/api/v1/jobs/job_1/result');
    expect(reported).toBe(2);
  });

  it('tells safe from unsafe methods', () => {
    expect([undefined, 'GET', 'head', 'OPTIONS'].map((m) => isUnsafe(m))).toEqual([false, false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map((m) => isUnsafe(m))).toEqual([true, true, true, true]);
  });
});
