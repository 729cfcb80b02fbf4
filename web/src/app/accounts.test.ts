import { describe, expect, it } from 'vitest';
import { KilnHttp } from '../live';
import {
  expiryInstant,
  isAuditEntry,
  isIssuedToken,
  isToken,
  isUserInfo,
  readAudit,
  tokenStatus,
  type TokenInfo,
} from './accounts';
import { parseRoute } from './router';

const NOW = new Date(2026, 10, 23, 15, 30, 0); // 23 Nov 2026, 15:30 local time

describe("a new token's expiry", () => {
  it('is none for "never", N days from now for a number of days', () => {
    expect(expiryInstant('never', '', NOW)).toEqual({});
    expect(expiryInstant('30', '', NOW)).toEqual({
      expiresAt: new Date(NOW.getTime() + 30 * 86_400_000).toISOString(),
    });
    expect(expiryInstant('365', '2020-01-01', NOW)).toEqual({
      expiresAt: new Date(NOW.getTime() + 365 * 86_400_000).toISOString(),
    });
  });

  it('is the end of a chosen day, in local time', () => {
    expect(expiryInstant('date', '2026-11-23', NOW)).toEqual({
      expiresAt: new Date(2026, 10, 23, 23, 59, 59).toISOString(),
    });
    expect(expiryInstant('date', '2027-02-28', NOW)).toEqual({
      expiresAt: new Date(2027, 1, 28, 23, 59, 59).toISOString(),
    });
  });

  it('refuses a missing, impossible, past or too distant day, saying why', () => {
    expect(expiryInstant('date', '', NOW)).toEqual({ error: 'Choose the day the token stops working.' });
    expect(expiryInstant('date', '2027-02-30', NOW)).toEqual({ error: 'That is not a date.' });
    expect(expiryInstant('date', '2026-11-22', NOW)).toEqual({ error: 'Choose a day from today on.' });
    expect(expiryInstant('date', '2036-12-01', NOW)).toEqual({ error: 'A token can live at most ten years.' });
    expect('expiresAt' in expiryInstant('date', '2036-11-01', NOW)).toBe(true);
  });
});

describe('answers are checked before use', () => {
  const token: TokenInfo = { id: 'tok_1', label: 'laptop', createdAt: '2026-11-23T10:00:00Z', active: true };

  it('tokens, with the secret only where one was issued', () => {
    expect(isToken(token)).toBe(true);
    expect(isToken({ ...token, expiresAt: '2027-01-01T00:00:00Z', lastUsedAt: '2026-11-23T11:00:00Z' })).toBe(true);
    expect(isToken({ ...token, active: 'yes' })).toBe(false);
    expect(isToken({ ...token, expiresAt: 5 })).toBe(false);
    expect(isIssuedToken(token)).toBe(false);
    expect(isIssuedToken({ ...token, token: 'kiln_abc' })).toBe(true);
    expect(isIssuedToken({ ...token, token: '' })).toBe(false);
  });

  it('users, with what they own', () => {
    const user = {
      id: 'usr_1',
      name: 'ann',
      role: 'member',
      createdAt: '2026-11-23T10:00:00Z',
      jobs: 3,
      activeJobs: 1,
      files: 2,
      storedBytes: 2048,
      activeTokens: 1,
    };
    expect(isUserInfo(user)).toBe(true);
    expect(isUserInfo({ ...user, role: 'owner' })).toBe(false);
    expect(isUserInfo({ ...user, storedBytes: '2048' })).toBe(false);
    expect(isUserInfo({ ...user, jobs: -1 })).toBe(false);
  });

  it('audit entries, actor and target optional', () => {
    const entry = {
      seq: 7,
      at: '2026-11-23T10:00:00Z',
      action: 'session.sign_in_failed',
      ip: '127.0.0.1',
      userAgent: 'x',
      detail: { reason: 'r' },
    };
    expect(isAuditEntry(entry)).toBe(true);
    expect(isAuditEntry({ ...entry, actor: { id: 'usr_1', name: 'ann' }, target: { type: 'job', id: 'job_1' } })).toBe(
      true,
    );
    expect(isAuditEntry({ ...entry, actor: { id: 'usr_1' } })).toBe(false);
    expect(isAuditEntry({ ...entry, target: 'job_1' })).toBe(false);
    expect(isAuditEntry({ ...entry, detail: ['r'] })).toBe(false);
    expect(isAuditEntry({ ...entry, seq: '7' })).toBe(false);
  });

  it('an audit page: asks with the filters and cursor, refuses a malformed answer', async () => {
    const asked: string[] = [];
    const answers = [
      { items: [{ seq: 9, at: '2026-11-23T10:00:00Z', action: 'user.created' }], nextCursor: '9' },
      { items: [{ seq: 'nine' }], nextCursor: null },
    ];
    const http = new KilnHttp({
      fetch: async (input) => {
        asked.push(String(input));
        return new Response(JSON.stringify(answers.shift()), { headers: { 'Content-Type': 'application/json' } });
      },
    });
    const page = await readAudit(http, { actor: 'usr_1', action: 'user.created', cursor: '20', limit: 50 });
    expect(page).toEqual({ items: [{ seq: 9, at: '2026-11-23T10:00:00Z', action: 'user.created' }], nextCursor: '9' });
    expect(asked[0]).toBe('/api/v1/admin/audit?limit=50&actor=usr_1&action=user.created&cursor=20');
    await expect(readAudit(http, {})).rejects.toThrow('The audit log answer is malformed.');
  });
});

describe("a token's status", () => {
  it('is revoked, expired or active', () => {
    const base = { id: 't', label: 'l', createdAt: '2026-01-01T00:00:00Z' };
    expect(tokenStatus({ ...base, active: true })).toBe('active');
    expect(tokenStatus({ ...base, active: false, expiresAt: '2026-02-01T00:00:00Z' })).toBe('expired');
    expect(tokenStatus({ ...base, active: false, revokedAt: '2026-01-05T00:00:00Z' })).toBe('revoked');
  });
});

describe('routes', () => {
  it('has account and admin pages, the audit filters from the query', () => {
    expect(parseRoute('/account')).toEqual({ name: 'account' });
    expect(parseRoute('/admin/users')).toEqual({ name: 'users' });
    expect(parseRoute('/admin/users/usr_1')).toEqual({ name: 'user', id: 'usr_1' });
    expect(parseRoute('/admin/audit', '?actor=usr_1&action=job.submitted')).toEqual({
      name: 'audit',
      actor: 'usr_1',
      action: 'job.submitted',
    });
    expect(parseRoute('/admin/audit')).toEqual({ name: 'audit', actor: undefined, action: undefined });
    expect(parseRoute('/admin')).toEqual({ name: 'notfound', path: '/admin' });
  });
});
