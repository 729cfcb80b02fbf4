// Signed webhooks (docs/webhooks.md), as the API describes them: every answer checked before use.

import { isObject, malformed, type KilnHttp } from '../live';

export const EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.cancelled'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Webhook {
  id: string;
  /** An endpoint of yours, or the entry whose secret signs your jobs' own callbacks. */
  kind: 'endpoint' | 'callback';
  url?: string;
  events: string[];
  /** Only jobs of these processors; absent: every processor. */
  processors?: string[];
  description?: string;
  createdAt: string;
}

/** The one answer that carries a webhook's signing secret. */
export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface Delivery {
  id: string;
  webhookId: string;
  jobId: string;
  event: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: string;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  responseStatus?: number;
  latencyMs?: number;
  error?: string;
}

const optionalString = (v: unknown) => v === undefined || v === null || typeof v === 'string';
const optionalNumber = (v: unknown) => v === undefined || v === null || typeof v === 'number';
const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string');

export function isWebhook(value: unknown): value is Webhook {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    (value.kind === 'endpoint' || value.kind === 'callback') &&
    optionalString(value.url) &&
    strings(value.events) &&
    (value.processors === undefined || value.processors === null || strings(value.processors)) &&
    optionalString(value.description) &&
    typeof value.createdAt === 'string'
  );
}

function isWithSecret(value: unknown): value is WebhookWithSecret {
  return isWebhook(value) && typeof (value as WebhookWithSecret).secret === 'string';
}

export function isDelivery(value: unknown): value is Delivery {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.webhookId === 'string' &&
    typeof value.jobId === 'string' &&
    typeof value.event === 'string' &&
    typeof value.url === 'string' &&
    (value.status === 'pending' || value.status === 'delivered' || value.status === 'failed') &&
    typeof value.attempts === 'number' &&
    typeof value.createdAt === 'string' &&
    optionalString(value.lastAttemptAt) &&
    optionalString(value.nextAttemptAt) &&
    optionalNumber(value.responseStatus) &&
    optionalNumber(value.latencyMs) &&
    optionalString(value.error)
  );
}

const path = (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}`;

export async function listWebhooks(http: KilnHttp): Promise<Webhook[]> {
  const body = await http.call('/api/v1/webhooks');
  const items = isObject(body) ? body.items : undefined;
  if (!Array.isArray(items) || !items.every(isWebhook)) throw malformed('webhook list answer');
  return items;
}

export interface NewWebhook {
  url: string;
  events: string[];
  processors?: string[];
  description?: string;
}

export async function createWebhook(http: KilnHttp, request: NewWebhook): Promise<WebhookWithSecret> {
  const body = await http.call('/api/v1/webhooks', { method: 'POST', body: request });
  if (!isWithSecret(body)) throw malformed('new webhook answer');
  return body;
}

export async function deleteWebhook(http: KilnHttp, id: string): Promise<void> {
  await http.call(path(id), { method: 'DELETE' });
}

/** A new secret for your jobs' callbacks (the old one signs nothing from now on). */
export async function rotateCallbackSecret(http: KilnHttp): Promise<WebhookWithSecret> {
  const body = await http.call('/api/v1/webhooks/callback-secret', { method: 'POST' });
  if (!isWithSecret(body)) throw malformed('callback secret answer');
  return body;
}

export async function listDeliveries(
  http: KilnHttp,
  id: string,
  cursor?: string,
): Promise<{ items: Delivery[]; nextCursor: string | null }> {
  const query = new URLSearchParams({ limit: '20' });
  if (cursor) query.set('cursor', cursor);
  const body = await http.call(`${path(id)}/deliveries?${query}`);
  const items = isObject(body) ? body.items : undefined;
  const next = isObject(body) ? body.nextCursor : undefined;
  if (!Array.isArray(items) || !items.every(isDelivery) || !optionalString(next)) {
    throw malformed('delivery log answer');
  }
  return { items, nextCursor: typeof next === 'string' ? next : null };
}

export async function redeliver(http: KilnHttp, webhookId: string, deliveryId: string): Promise<Delivery> {
  const body = await http.call(`${path(webhookId)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`, {
    method: 'POST',
  });
  if (!isDelivery(body)) throw malformed('redelivery answer');
  return body;
}

/**
 * The form's fields as a request, or what is wrong with them (the server checks again, and alone
 * knows where an address leads).
 */
export function webhookRequest(form: {
  url: string;
  events: string[];
  processors: string;
  description: string;
}): NewWebhook | { error: string } {
  const url = form.url.trim();
  if (!/^https?:\/\/[^\s/]+/i.test(url)) return { error: 'Enter the http:// or https:// address to post to.' };
  if (form.events.length === 0) return { error: 'Choose at least one event.' };
  const processors = form.processors
    .split(/[\s,]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const bad = processors.find((p) => !/^[a-z][a-z0-9-]{0,63}$/.test(p));
  if (bad) return { error: `“${bad}” is not a processor name (lower-case letters, digits and dashes).` };
  const description = form.description.trim();
  return {
    url,
    events: form.events,
    ...(processors.length > 0 ? { processors } : {}),
    ...(description ? { description } : {}),
  };
}

/** A delivery's last answer, for a person: "200 in 35 ms", "HTTP 500: …", "timed out". */
export function lastAnswer(d: Delivery): string {
  if (d.attempts === 0) return 'not tried yet';
  const took = d.latencyMs === undefined ? '' : ` in ${d.latencyMs} ms`;
  if (d.status === 'delivered') return `${d.responseStatus ?? ''}${took}`.trim();
  return d.error ?? (d.responseStatus ? `HTTP ${d.responseStatus}${took}` : 'failed');
}
