// The few HTTP calls the live client needs, each answer validated before use.

import { isJobEvent, isJobSnapshot, type JobEvent, type JobSnapshot } from './protocol';

export interface HttpOptions {
  /** Where the API is, e.g. '' (same origin) or 'https://kiln.example'. */
  baseUrl?: string;
  /** The bearer token to send, if any, as API clients and scripts do. A browser signs in with a session cookie instead. */
  token?: () => string | undefined;
  /**
   * A browser session's CSRF token (from GET /api/v1/session). The cookie goes by itself, so any
   * page could make it ride along; the server takes an unsafe request made with it only when this
   * token, which only Kiln's own pages can read, comes too.
   */
  csrf?: () => string | undefined;
  /** The session's CSRF token was refused (another tab signed in again): fetch the current one; true to send the request once more. */
  renewCsrf?: () => Promise<boolean>;
  /** Any answer was 401: the session or token is no longer good. */
  onUnauthenticated?: () => void;
  fetch?: typeof fetch;
}

/**
 * What fetch rejects with when no answer came (offline, the server down or unreachable), as each browser words it:
 * Chromium "Failed to fetch", Firefox "NetworkError when attempting to fetch resource.", Safari "Load failed".
 */
const NO_ANSWER = /^(Failed to fetch|NetworkError when attempting to fetch resource\.?|Load failed)$/;

/**
 * What went wrong, for a person: a problem's detail, or the error's message, without "TypeError: " or "Error: " in
 * front; a request that got no answer says so.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof TypeError && NO_ANSWER.test(error.message))
    return 'Kiln could not be reached; check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}

/** The header that carries a session's CSRF token. */
export const CSRF_HEADER = 'X-Kiln-CSRF';

/** Methods that change something: with a cookie session they must carry the CSRF token. */
export function isUnsafe(method = 'GET'): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    /** The whole problem document, for the fields some problems add (e.g. invalid_params' errors). */
    readonly problem: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** An answer that is not what the API promises (a 200 whose body fails its check). */
export function malformed(what: string): HttpError {
  return new HttpError(200, 'invalid_response', `The ${what} is malformed.`);
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
  private readonly options: HttpOptions;
  private readonly fetchImpl: typeof fetch;

  constructor(options: HttpOptions = {}) {
    this.options = options;
    this.baseUrl = options.baseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** What proves who is calling, for a request with this method: the bearer token, or the CSRF token on unsafe methods. */
  headers(method = 'GET'): Record<string, string> {
    const headers: Record<string, string> = {};
    const token = this.options.token?.();
    if (token) headers.Authorization = `Bearer ${token}`;
    const csrf = this.options.csrf?.();
    if (csrf && isUnsafe(method)) headers[CSRF_HEADER] = csrf;
    return headers;
  }

  /** Tells the owner an answer said 401 (also for requests made outside this class, like tus uploads). */
  unauthenticated(): void {
    this.options.onUnauthenticated?.();
  }

  async job(id: string): Promise<JobSnapshot> {
    const body = await this.json(`/api/v1/jobs/${encodeURIComponent(id)}`);
    if (!isJobSnapshot(body)) throw malformed('job snapshot');
    return body;
  }

  async jobs(query: Record<string, string> = {}): Promise<JobPage> {
    const body = (await this.json(`/api/v1/jobs?${new URLSearchParams(query)}`)) as {
      items?: unknown;
      nextCursor?: unknown;
    };
    if (!Array.isArray(body.items) || !body.items.every(isJobSnapshot)) {
      throw malformed('job list');
    }
    return { items: body.items, nextCursor: typeof body.nextCursor === 'string' ? body.nextCursor : null };
  }

  async events(
    id: string,
    after: number,
    options: { limit?: number; wait?: number; signal?: AbortSignal } = {},
  ): Promise<EventPage> {
    const query = new URLSearchParams({ after: String(after), limit: String(options.limit ?? 1000) });
    if (options.wait) query.set('wait', String(options.wait));
    const body = (await this.json(`/api/v1/jobs/${encodeURIComponent(id)}/events?${query}`, options.signal)) as {
      items?: unknown;
      next?: unknown;
    };
    if (!Array.isArray(body.items) || !body.items.every(isJobEvent) || typeof body.next !== 'number') {
      throw malformed('event page');
    }
    return { items: body.items, next: body.next };
  }

  /** A single-use ticket for the WebSocket. */
  async ticket(): Promise<string> {
    const body = (await this.json('/api/v1/stream/ticket', undefined, 'POST')) as { ticket?: unknown };
    if (typeof body.ticket !== 'string') throw malformed('ticket');
    return body.ticket;
  }

  /** A request with the credentials added: the place every call of this class goes through. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const send = () => {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(this.headers(init.method))) headers.set(name, value);
      return this.fetchImpl(this.baseUrl + path, { ...init, headers });
    };
    let response = await send();
    if (
      response.status === 403 &&
      this.options.renewCsrf &&
      isUnsafe(init.method) &&
      (await problemCode(response)) === 'csrf_token_invalid' &&
      (await this.options.renewCsrf())
    ) {
      response = await send();
    }
    if (response.status === 401) this.unauthenticated();
    return response;
  }

  /** Any API call with a JSON answer; a problem answer becomes an {@link HttpError} with its code and detail. */
  async call(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<unknown> {
    return this.json(path, undefined, init.method ?? 'GET', init.body, init.headers);
  }

  private async json(
    path: string,
    signal?: AbortSignal,
    method = 'GET',
    payload?: unknown,
    extra: Record<string, string> = {},
  ): Promise<unknown> {
    const headers: Record<string, string> =
      payload === undefined
        ? { Accept: 'application/json', ...extra }
        : { Accept: 'application/json', 'Content-Type': 'application/json', ...extra };
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    const response = await this.fetch(path, { method, headers, body, signal });
    const answer: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      const problem = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
      throw new HttpError(
        response.status,
        typeof problem.code === 'string' ? problem.code : undefined,
        typeof problem.detail === 'string' ? problem.detail : `HTTP ${response.status}`,
        problem,
      );
    }
    return answer;
  }
}

async function problemCode(response: Response): Promise<string | undefined> {
  const problem = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { code?: unknown } | undefined;
  return typeof problem?.code === 'string' ? problem.code : undefined;
}
