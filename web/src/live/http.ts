// The few HTTP calls the live client needs, each answer validated before use.

import { isJobEvent, isJobSnapshot, type JobEvent, type JobSnapshot } from './protocol';

export interface HttpOptions {
  /** Where the API is, e.g. '' (same origin) or 'https://kiln.example'. */
  baseUrl?: string;
  /** The bearer token to send, if any (a browser session may use cookies instead). */
  token?: () => string | undefined;
  fetch?: typeof fetch;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface EventPage {
  items: JobEvent[];
  next: number;
}

export interface JobPage {
  items: JobSnapshot[];
  nextCursor: string | null;
}

export class KilnHttp {
  readonly baseUrl: string;
  private readonly token: () => string | undefined;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
    this.token = options.token ?? (() => undefined);
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = this.token();
    return token ? { Authorization: `Bearer ${token}`, ...extra } : extra;
  }

  async job(id: string): Promise<JobSnapshot> {
    const body = await this.json(`/api/v1/jobs/${encodeURIComponent(id)}`);
    if (!isJobSnapshot(body)) throw new HttpError(200, 'invalid_response', 'The job snapshot is malformed.');
    return body;
  }

  async jobs(query: Record<string, string> = {}): Promise<JobPage> {
    const body = (await this.json(`/api/v1/jobs?${new URLSearchParams(query)}`)) as { items?: unknown; nextCursor?: unknown };
    if (!Array.isArray(body.items) || !body.items.every(isJobSnapshot)) {
      throw new HttpError(200, 'invalid_response', 'The job list is malformed.');
    }
    return { items: body.items, nextCursor: typeof body.nextCursor === 'string' ? body.nextCursor : null };
  }

  async events(id: string, after: number, options: { limit?: number; wait?: number; signal?: AbortSignal } = {}): Promise<EventPage> {
    const query = new URLSearchParams({ after: String(after), limit: String(options.limit ?? 1000) });
    if (options.wait) query.set('wait', String(options.wait));
    const body = (await this.json(`/api/v1/jobs/${encodeURIComponent(id)}/events?${query}`, options.signal)) as {
      items?: unknown;
      next?: unknown;
    };
    if (!Array.isArray(body.items) || !body.items.every(isJobEvent) || typeof body.next !== 'number') {
      throw new HttpError(200, 'invalid_response', 'The event page is malformed.');
    }
    return { items: body.items, next: body.next };
  }

  /** A single-use ticket for the WebSocket. */
  async ticket(): Promise<string> {
    const body = (await this.json('/api/v1/stream/ticket', undefined, 'POST')) as { ticket?: unknown };
    if (typeof body.ticket !== 'string') throw new HttpError(200, 'invalid_response', 'The ticket is malformed.');
    return body.ticket;
  }

  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return this.fetchImpl(this.baseUrl + path, init);
  }

  /** Any API call with a JSON answer; a problem answer becomes an {@link HttpError} with its code and detail. */
  async call(path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
    return this.json(path, undefined, init.method ?? 'GET', init.body);
  }

  private async json(path: string, signal?: AbortSignal, method = 'GET', payload?: unknown): Promise<unknown> {
    const headers = this.headers(payload === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' });
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const response = await this.fetch(path, { method, headers, body, signal });
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const problem = (answer ?? {}) as { code?: unknown; detail?: unknown };
      throw new HttpError(
        response.status,
        typeof problem.code === 'string' ? problem.code : undefined,
        typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`,
      );
    }
    return answer;
  }
}
