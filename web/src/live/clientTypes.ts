// What the live client is given and what it tells: its options, its connection, a job's view.

import type { OnlineSource, VisibilitySource } from './browser';
import type { KilnHttp } from './http';
import type { JobView } from './jobView';
import type { FailureCause } from './protocol';
import type { TransportFactory, TransportKind, WebSocketLike } from './transports';

/** 'paused': closed while the tab is hidden (see LiveClient's HIDDEN_CLOSE_MS); it resumes when shown. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'failed' | 'paused';

export interface ConnectionInfo {
  state: ConnectionState;
  /** The transport in use or being tried. */
  transport: TransportKind;
  /** Attempts in a row that failed. */
  failures: number;
  /** When the next attempt starts (while reconnecting), epoch ms. */
  nextRetryAt: number | null;
  /** When the client last heard from the server, epoch ms. */
  lastSyncedAt: number | null;
  /** Why the connection failed, when it did (technical, for logs). */
  reason: string | null;
  /** Why it failed, in terms the user can act on (while 'failed'). */
  cause: FailureCause | null;
}

export interface JobViewState {
  view?: JobView;
  /** 'not_found' when the job does not exist or is not yours; otherwise a description. */
  error?: string;
}

export interface LiveClientOptions {
  http: KilnHttp;
  /** The transports in order of preference; by default WebSocket, then SSE, then polling. */
  transports?: TransportFactory[];
  /** Opens WebSockets (for the default WebSocket transport); tests pass a fake. */
  openWebSocket?: (url: string) => WebSocketLike;
  /**
   * After this many failures in a row the client gives up ('failed'): from then on it tries
   * quietly now and then, at once when the browser is back online or the tab is shown, or on
   * {@link LiveClient.retryNow}.
   */
  maxFailures?: number;
  /**
   * A transport that fails this many times without ever working, while Kiln answers HTTP (a proxy
   * that blocks it), gives way to the next. Attempts that got no answer (Kiln down) do not count.
   */
  fallbackAfter?: number;
  /** A connection that stays up this long resets the backoff. */
  stableAfterMs?: number;
  heartbeatTimeoutMs?: number;
  online?: OnlineSource;
  visibility?: VisibilitySource;
  /** After giving up, one quiet attempt every so often, spread at random between these (ms); default 30–60 s. */
  backgroundRetryMs?: [number, number];
  random?: () => number;
  now?: () => number;
  log?: (message: string) => void;
}
