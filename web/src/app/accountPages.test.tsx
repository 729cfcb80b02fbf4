// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from '../live';
import type { Session } from './session';
import { TokenManager } from './TokenManager';
import { UsersPage } from './UsersPage';

afterEach(cleanup);

interface Call {
  method: string;
  path: string;
  body?: unknown;
  csrf: string | null;
}

/** A Kiln that knows tokens and users, answering like the real API; records each call. */
class FakeAccounts {
  calls: Call[] = [];
  tokens = [
    { id: 'tok_1', label: 'first token', createdAt: '2026-11-01T10:00:00Z', active: true } as Record<string, unknown>,
  ];
  users = [
    {
      id: 'usr_a',
      name: 'admin',
      role: 'admin',
      createdAt: '2026-11-01T10:00:00Z',
      jobs: 40,
      activeJobs: 2,
      files: 12,
      storedBytes: 5 * 1024 ** 3,
      activeTokens: 1,
    },
  ];

  http = new KilnHttp({
    csrf: () => 'csrf_1',
    fetch: async (input, init) => {
      const path = String(input);
      const method = init?.method ?? 'GET';
      const body = init?.body ? JSON.parse(String(init.body)) : undefined;
      this.calls.push({ method, path, body, csrf: new Headers(init?.headers).get('X-Kiln-CSRF') });
      return this.answer(method, path, body);
    },
  });

  private answer(method: string, path: string, body: Record<string, unknown>): Response {
    if (path === '/api/v1/me/tokens' && method === 'GET') return json({ items: this.tokens });
    if (path === '/api/v1/me/tokens' && method === 'POST') {
      const token = {
        id: `tok_${this.tokens.length + 1}`,
        label: body.label ?? 'API token',
        createdAt: '2026-11-23T10:00:00Z',
        expiresAt: body.expiresAt,
        active: true,
      };
      this.tokens.push(token);
      return json({ ...token, token: 'kiln_SECRET' }, 201);
    }
    const revoke = /^\/api\/v1\/me\/tokens\/(tok_\d+)$/.exec(path);
    if (revoke && method === 'DELETE') {
      const token = this.tokens.find((t) => t.id === revoke[1])!;
      Object.assign(token, { active: false, revokedAt: '2026-11-23T11:00:00Z' });
      return json(token);
    }
    if (path === '/api/v1/admin/users' && method === 'GET') return json({ items: this.users });
    if (path === '/api/v1/admin/users' && method === 'POST') {
      const user = {
        id: 'usr_b',
        name: String(body.name),
        role: String(body.role),
        createdAt: '2026-11-23T10:00:00Z',
        jobs: 0,
        activeJobs: 0,
        files: 0,
        storedBytes: 0,
        activeTokens: 1,
      };
      this.users.push(user);
      return json({ user: { id: user.id, name: user.name, role: user.role }, token: 'kiln_FIRST' }, 201);
    }
    const doomed = /^\/api\/v1\/admin\/users\/(usr_\w+)\?data=delete$/.exec(path);
    if (doomed && method === 'DELETE') {
      this.users = this.users.filter((u) => u.id !== doomed[1]);
      return json({ runningJobs: ['job_1'] }, 202);
    }
    if (path === '/api/v1/admin/users/usr_a' && method === 'PATCH') {
      return json({ code: 'last_admin', detail: 'admin is the only administrator; make someone else one first.' }, 409);
    }
    return json({ code: 'not_found', detail: 'No such resource.' }, 404);
  }
}

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

let kiln: FakeAccounts;
let confirm: ReturnType<typeof vi.fn>;
beforeEach(() => {
  kiln = new FakeAccounts();
  confirm = vi.fn(() => true);
  window.confirm = confirm as unknown as typeof window.confirm;
});

describe('your tokens', () => {
  it('issues one with a label and an expiry, shows its secret once, with the CSRF token sent', async () => {
    render(<TokenManager http={kiln.http} />);
    await screen.findByText('first token');
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'laptop CLI' } });
    fireEvent.change(screen.getByLabelText('Expires'), { target: { value: '30' } });
    const before = Date.now();
    fireEvent.click(screen.getByRole('button', { name: 'Issue token' }));

    const secret = await screen.findByRole('region', { name: 'New token “laptop CLI”' });
    expect(within(secret).getByLabelText<HTMLInputElement>('The new token').value).toBe('kiln_SECRET');
    expect(secret.textContent).toContain('you will not see it again');
    expect(document.activeElement).toBe(secret);
    const post = kiln.calls.find((c) => c.method === 'POST')!;
    expect(post.csrf).toBe('csrf_1');
    expect((post.body as { label: string }).label).toBe('laptop CLI');
    const expires = Date.parse((post.body as { expiresAt: string }).expiresAt);
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    expect(expires - before).toBeLessThan(30 * 86_400_000 + 60_000);
    await screen.findByText('laptop CLI', { selector: 'th' });

    fireEvent.click(within(secret).getByRole('button', { name: 'Done' }));
    expect(screen.queryByText('kiln_SECRET')).toBeNull();
    expect(screen.queryByTestId('secret')).toBeNull();
    expect(kiln.calls.every((c) => (c.method === 'GET' ? c.csrf === null : c.csrf === 'csrf_1'))).toBe(true);
  });

  it('stops showing the secret of a token just issued once that token is revoked', async () => {
    render(<TokenManager http={kiln.http} />);
    await screen.findByText('first token');
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'ci script' } });
    fireEvent.click(screen.getByRole('button', { name: 'Issue token' }));
    await screen.findByRole('region', { name: 'New token “ci script”' });
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke ci script' }));

    await waitFor(() => expect(screen.queryByRole('region', { name: 'New token “ci script”' })).toBeNull());
    expect(screen.queryByDisplayValue('kiln_SECRET')).toBeNull();
    expect(screen.getByTestId('tokens').textContent).toContain('revoked');
  });

  it('keeps showing a new secret when another token is revoked', async () => {
    render(<TokenManager http={kiln.http} />);
    await screen.findByText('first token');
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'ci script' } });
    fireEvent.click(screen.getByRole('button', { name: 'Issue token' }));
    await screen.findByRole('region', { name: 'New token “ci script”' });
    fireEvent.click(screen.getByRole('button', { name: 'Revoke first token' }));

    await waitFor(() => expect(screen.queryByRole('button', { name: 'Revoke first token' })).toBeNull());
    expect(screen.getByRole('region', { name: 'New token “ci script”' })).toBeTruthy();
  });

  it('asks for a day when "On a date…" is chosen, and refuses none', async () => {
    render(<TokenManager http={kiln.http} />);
    await screen.findByText('first token');
    fireEvent.change(screen.getByLabelText('Expires'), { target: { value: 'date' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Issue a token' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Choose the day the token stops working.');
    expect(kiln.calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  });

  it('revokes one only after asking, warning that revoking the sign-in token signs you out; its row then says revoked', async () => {
    render(<TokenManager http={kiln.http} />);
    await screen.findByText('first token');
    confirm.mockReturnValueOnce(false);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke first token' }));
    expect(confirm.mock.calls[0][0]).toContain('If you signed in to this browser with it, you are signed out.');
    expect(kiln.calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Revoke first token' }));
    await waitFor(() => expect(screen.getByTestId('tokens').textContent).toContain('revoked'));
    expect(kiln.calls.filter((c) => c.method === 'DELETE').map((c) => [c.path, c.csrf])).toEqual([
      ['/api/v1/me/tokens/tok_1', 'csrf_1'],
    ]);
    expect(screen.queryByRole('button', { name: 'Revoke first token' })).toBeNull();
  });
});

describe('the users page', () => {
  const session: Session = {
    user: { id: 'usr_a', name: 'admin', role: 'admin' },
    csrfToken: 'csrf_1',
    expiresAt: '2026-11-30T10:00:00Z',
  };

  it('lists users with what they own, creates one and shows the first token once', async () => {
    render(<UsersPage http={kiln.http} session={session} onOwnRoleChanged={() => {}} />);
    const row = (await screen.findByRole('link', { name: 'admin' })).closest('tr')!;
    expect(row.textContent).toContain('40 (2)');
    expect(row.textContent).toContain('5.0 GB');

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'bad name' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create user' }));
    expect((await screen.findByRole('alert')).textContent).toContain('1 to 64 letters');

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'bob' } });
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'admin' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create user' }));
    const secret = await screen.findByRole('region', { name: "bob's first token" });
    expect(within(secret).getByLabelText<HTMLInputElement>('The new token').value).toBe('kiln_FIRST');
    expect(kiln.calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'bob', role: 'admin' });
    await screen.findByRole('link', { name: 'bob' });
  });

  it('deletes a user only once confirmed, saying what goes with them', async () => {
    kiln.users.push({
      id: 'usr_c',
      name: 'carol',
      role: 'member',
      createdAt: '2026-11-20T10:00:00Z',
      jobs: 3,
      activeJobs: 1,
      files: 2,
      storedBytes: 2_097_152,
      activeTokens: 1,
    });
    render(<UsersPage http={kiln.http} session={session} onOwnRoleChanged={() => {}} />);
    await screen.findByRole('link', { name: 'carol' });
    expect(screen.queryByRole('button', { name: 'Delete admin' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Delete carol' }));
    const asking = screen.getByRole('group', { name: 'Delete carol' });
    expect(asking.textContent).toContain('Their 3 jobs (1 waiting or running, which are stopped) and 2 files (2.0 MB)');
    expect(asking.textContent).toContain('cannot be undone');
    expect(kiln.calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);
    fireEvent.click(within(asking).getByRole('button', { name: 'Keep' }));
    expect(screen.queryByRole('group', { name: 'Delete carol' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Delete carol' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete carol and all they own' }));
    expect((await screen.findByRole('status')).textContent).toContain(
      'carol was deleted. 1 of their jobs was still running',
    );
    expect(screen.queryByRole('link', { name: 'carol' })).toBeNull();
    expect(kiln.calls.find((c) => c.method === 'DELETE')?.path).toBe('/api/v1/admin/users/usr_c?data=delete');
  });

  it('explains why the last administrator stays one', async () => {
    render(<UsersPage http={kiln.http} session={session} onOwnRoleChanged={() => {}} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Make admin a member' }));
    expect(confirm.mock.calls[0][0]).toContain('This is you');
    const problem = await screen.findByTestId('role-problem');
    expect(problem.textContent).toContain('admin is still an administrator.');
    expect(problem.textContent).toContain('only administrator');
    expect(problem.textContent).toContain('make another user an administrator first');
  });
});
