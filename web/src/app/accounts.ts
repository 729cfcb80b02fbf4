// Users, API tokens and the audit log, as the API describes them: every answer checked before use.

import { isObject, malformed, type KilnHttp } from '../live';
import { isUser, type Role, type SessionUser } from './session';

export interface TokenInfo {
  id: string;
  label: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
  active: boolean;
}

/** A token just issued: the only answer that carries its secret. */
export interface IssuedToken extends TokenInfo {
  token: string;
}

export interface UserInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  jobs: number;
  activeJobs: number;
  files: number;
  storedBytes: number;
  activeTokens: number;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor?: { id: string; name: string };
  action: string;
  target?: { type: string; id: string };
  ip?: string;
  userAgent?: string;
  detail?: Record<string, unknown>;
}

/** What the audit log records (its filter takes these). */
export const AUDIT_ACTIONS = [
  'session.signed_in',
  'session.sign_in_failed',
  'session.signed_out',
  'user.created',
  'user.role_changed',
  'user.deleted',
  'token.issued',
  'token.revoked',
  'job.submitted',
  'job.cancelled',
  'job.retried',
  'job.deleted',
  'result.downloaded',
  'result.edited',
  'file.downloaded',
  'file.deleted',
  'webhook.created',
  'webhook.deleted',
  'webhook.secret_rotated',
  'webhook.redelivered',
] as const;

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

export function isToken(value: unknown): value is TokenInfo {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.label === 'string' &&
    typeof value.createdAt === 'string' &&
    optionalString(value.expiresAt) &&
    optionalString(value.lastUsedAt) &&
    optionalString(value.revokedAt) &&
    typeof value.active === 'boolean'
  );
}

export function isIssuedToken(value: unknown): value is IssuedToken {
  return isToken(value) && typeof (value as IssuedToken).token === 'string' && (value as IssuedToken).token !== '';
}

export function isUserInfo(value: unknown): value is UserInfo {
  return (
    isUser(value) &&
    isObject(value) &&
    typeof value.createdAt === 'string' &&
    [value.jobs, value.activeJobs, value.files, value.storedBytes, value.activeTokens].every(isCount)
  );
}

export function isAuditEntry(value: unknown): value is AuditEntry {
  if (!isObject(value)) return false;
  const { actor, target, detail } = value;
  return (
    typeof value.seq === 'number' &&
    typeof value.at === 'string' &&
    typeof value.action === 'string' &&
    (actor === undefined ||
      actor === null ||
      (isObject(actor) && typeof actor.id === 'string' && typeof actor.name === 'string')) &&
    (target === undefined ||
      target === null ||
      (isObject(target) && typeof target.type === 'string' && typeof target.id === 'string')) &&
    optionalString(value.ip) &&
    optionalString(value.userAgent) &&
    (detail === undefined || detail === null || isObject(detail))
  );
}

function items<T>(body: unknown, guard: (v: unknown) => v is T, what: string): T[] {
  const list = isObject(body) ? body.items : undefined;
  if (!Array.isArray(list) || !list.every(guard)) throw malformed(`${what} answer`);
  return list;
}

/** Where a user's tokens are: your own, or (for admins) anyone's. */
export function tokensPath(userId?: string): string {
  return userId ? `/api/v1/admin/users/${encodeURIComponent(userId)}/tokens` : '/api/v1/me/tokens';
}

export async function listTokens(http: KilnHttp, path: string): Promise<TokenInfo[]> {
  return items(await http.call(path), isToken, 'token list');
}

export async function issueToken(
  http: KilnHttp,
  path: string,
  request: { label?: string; expiresAt?: string },
): Promise<IssuedToken> {
  const body = await http.call(path, { method: 'POST', body: request });
  if (!isIssuedToken(body)) throw malformed('new token answer');
  return body;
}

export async function revokeToken(http: KilnHttp, path: string, id: string): Promise<TokenInfo> {
  const body = await http.call(`${path}/${encodeURIComponent(id)}`, { method: 'DELETE' });
  if (!isToken(body)) throw malformed('revoked token answer');
  return body;
}

export async function listUsers(http: KilnHttp): Promise<UserInfo[]> {
  return items(await http.call('/api/v1/admin/users'), isUserInfo, 'user list');
}

export async function getUser(http: KilnHttp, id: string): Promise<UserInfo> {
  const body = await http.call(`/api/v1/admin/users/${encodeURIComponent(id)}`);
  if (!isUserInfo(body)) throw malformed('user answer');
  return body;
}

export async function createUser(
  http: KilnHttp,
  name: string,
  role: Role,
): Promise<{ user: SessionUser; token: string }> {
  const body = (await http.call('/api/v1/admin/users', { method: 'POST', body: { name: name.trim(), role } })) as {
    user?: unknown;
    token?: unknown;
  };
  if (!isObject(body) || !isUser(body.user) || typeof body.token !== 'string' || body.token === '')
    throw malformed('new user answer');
  return { user: body.user, token: body.token };
}

export async function changeRole(http: KilnHttp, id: string, role: Role): Promise<UserInfo> {
  const body = await http.call(`/api/v1/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', body: { role } });
  if (!isUserInfo(body)) throw malformed('user answer');
  return body;
}

/**
 * Deletes a user with everything they own (their tokens and sessions end at once). Answers the jobs
 * that were still running: asked to stop, and deleted by the server once they have.
 */
export async function deleteUser(http: KilnHttp, id: string): Promise<string[]> {
  const body = await http.call(`/api/v1/admin/users/${encodeURIComponent(id)}?data=delete`, { method: 'DELETE' });
  return isObject(body) && Array.isArray(body.runningJobs)
    ? body.runningJobs.filter((j): j is string => typeof j === 'string')
    : [];
}

export async function readAudit(
  http: KilnHttp,
  filter: { actor?: string; action?: string; cursor?: string; limit?: number },
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const query = new URLSearchParams({ limit: String(filter.limit ?? 50) });
  if (filter.actor) query.set('actor', filter.actor);
  if (filter.action) query.set('action', filter.action);
  if (filter.cursor) query.set('cursor', filter.cursor);
  const body = await http.call(`/api/v1/admin/audit?${query}`);
  const list = items(body, isAuditEntry, 'audit log');
  const next = (body as { nextCursor?: unknown }).nextCursor;
  if (!optionalString(next)) throw malformed('audit log answer');
  return { items: list, nextCursor: typeof next === 'string' ? next : null };
}

export type TokenStatus = 'active' | 'revoked' | 'expired';

export function tokenStatus(token: TokenInfo): TokenStatus {
  if (token.revokedAt) return 'revoked';
  return token.active ? 'active' : 'expired';
}

/** How long a new token lives: for ever, a number of days, or through a chosen date. */
export type ExpiryChoice = 'never' | '30' | '90' | '365' | 'date';

const DAY_MS = 86_400_000;
/** The server takes at most ten years (and a little). */
const MAX_DAYS = 3650;

/**
 * The expiry instant for a choice: none for "never"; N days from now; or the end of the chosen
 * day (YYYY-MM-DD, local time), which must be in the future and within ten years.
 */
export function expiryInstant(
  choice: ExpiryChoice,
  date: string,
  now: Date = new Date(),
): { expiresAt?: string } | { error: string } {
  if (choice === 'never') return {};
  if (choice !== 'date') return { expiresAt: new Date(now.getTime() + Number(choice) * DAY_MS).toISOString() };
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!parts) return { error: 'Choose the day the token stops working.' };
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const end = new Date(year, month - 1, day, 23, 59, 59);
  if (end.getFullYear() !== year || end.getMonth() !== month - 1 || end.getDate() !== day)
    return { error: 'That is not a date.' };
  if (end.getTime() <= now.getTime()) return { error: 'Choose a day from today on.' };
  if (end.getTime() > now.getTime() + MAX_DAYS * DAY_MS) return { error: 'A token can live at most ten years.' };
  return { expiresAt: end.toISOString() };
}
