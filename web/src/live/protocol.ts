// The wire protocol of docs/protocol.md, with a validator for every message the server sends:
// nothing from the network is trusted before it has been checked here.

export type JobState = 'queued' | 'retry_scheduled' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type EventKind = 'state' | 'progress' | 'partial' | 'result' | 'error';

/** Every job state, in the order a job goes through them. */
export const JOB_STATES: readonly JobState[] = [
  'queued',
  'retry_scheduled',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];
const STATES: ReadonlySet<string> = new Set(JOB_STATES);

export function isJobState(value: string | null | undefined): value is JobState {
  return value !== null && value !== undefined && STATES.has(value);
}
const KINDS: ReadonlySet<string> = new Set(['state', 'progress', 'partial', 'result', 'error']);
export const FINAL_STATES: ReadonlySet<JobState> = new Set<JobState>(['succeeded', 'failed', 'cancelled']);

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface JobSnapshot {
  id: string;
  type: string;
  state: JobState;
  cancelRequested: boolean;
  stage?: string;
  progress: number;
  /** When the processor expects to finish (while running, if it can tell). */
  eta?: string;
  /** While queued, on a single-job read: 1 = next for its type. Moves without events. */
  queuePosition?: number;
  seq: number;
  attempt: number;
  maxAttempts: number;
  priority: number;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  retryAt?: string;
  error?: JobError;
  result?: { href: string; size: number };
  /** Absent for a job of a processor that takes no file (or whose file was deleted). */
  input?: JobInput;
  params: Record<string, unknown>;
}

/** A job's input file; lists and single reads add its name, type and what a processor measured of it. */
export interface JobInput {
  fileId: string;
  name?: string;
  mediaType?: string;
  /** Seconds of audio or video. */
  duration?: number;
  pages?: number;
}

interface EventFields {
  job: string;
  seq: number;
  ts: string;
}

/** An event of a job's log; a partial result is whatever JSON the processor emitted, any other kind's data an object. */
export type JobEvent =
  | (EventFields & { kind: Exclude<EventKind, 'partial'>; data: Record<string, unknown> })
  | (EventFields & { kind: 'partial'; data: unknown });

export type ServerMessage =
  | { type: 'welcome'; user: string; pingInterval: number }
  | { type: 'subscribed'; job?: string; mine?: boolean; recovered?: boolean }
  | { type: 'snapshot'; job: JobSnapshot }
  | ({ type: 'event' } & JobEvent)
  /** "My jobs" only: one of your jobs was deleted. */
  | { type: 'deleted'; job: string }
  | { type: 'ping'; ts: number }
  | { type: 'error'; code: string; message: string; job?: string };

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSeq(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Absent, or a string: an optional text field of an answer. */
export function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

export function isJobEvent(value: unknown): value is JobEvent {
  return (
    isObject(value) &&
    typeof value.job === 'string' &&
    isSeq(value.seq) &&
    value.seq > 0 &&
    typeof value.kind === 'string' &&
    KINDS.has(value.kind) &&
    (value.kind === 'partial' ? value.data !== undefined : isObject(value.data)) &&
    typeof value.ts === 'string'
  );
}

export function isJobSnapshot(value: unknown): value is JobSnapshot {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.type === 'string' &&
    typeof value.state === 'string' &&
    STATES.has(value.state) &&
    typeof value.progress === 'number' &&
    isSeq(value.seq) &&
    typeof value.attempt === 'number' &&
    typeof value.createdAt === 'string' &&
    optionalString(value.stage) &&
    optionalString(value.eta) &&
    (value.queuePosition === undefined || typeof value.queuePosition === 'number') &&
    optionalString(value.finishedAt) &&
    (value.error === undefined || (isObject(value.error) && typeof value.error.code === 'string')) &&
    (value.input === undefined || isObject(value.input))
  );
}

/** The message, if it is one the protocol defines and well formed; null otherwise (with why). */
export function parseServerMessage(text: string): { message: ServerMessage } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'not JSON' };
  }
  if (!isObject(value) || typeof value.type !== 'string') {
    return { problem: 'no type' };
  }
  switch (value.type) {
    case 'welcome':
      return typeof value.user === 'string' && typeof value.pingInterval === 'number'
        ? { message: value as ServerMessage }
        : { problem: 'bad welcome' };
    case 'subscribed':
      return optionalString(value.job) &&
        (value.recovered === undefined || typeof value.recovered === 'boolean') &&
        (value.mine === undefined || typeof value.mine === 'boolean')
        ? { message: value as ServerMessage }
        : { problem: 'bad subscribed' };
    case 'snapshot':
      return isJobSnapshot(value.job) ? { message: value as ServerMessage } : { problem: 'bad snapshot' };
    case 'event':
      return isJobEvent(value) ? { message: value as unknown as ServerMessage } : { problem: 'bad event' };
    case 'deleted':
      return typeof value.job === 'string' ? { message: value as ServerMessage } : { problem: 'bad deleted' };
    case 'ping':
      return typeof value.ts === 'number' ? { message: value as ServerMessage } : { problem: 'bad ping' };
    case 'error':
      return typeof value.code === 'string' && typeof value.message === 'string' && optionalString(value.job)
        ? { message: value as ServerMessage }
        : { problem: 'bad error' };
    default:
      return { problem: `unknown type ${String(value.type).slice(0, 40)}` };
  }
}

export function isTerminal(event: JobEvent): boolean {
  return event.kind === 'state' && FINAL_STATES.has(event.data.state as JobState);
}

/** WebSocket close codes after which the client reconnects by itself (docs/protocol.md). */
const RECONNECT_CODES: ReadonlySet<number> = new Set([1001, 1006, 1011, 4009, 4010]);

export function shouldReconnect(closeCode: number): boolean {
  return RECONNECT_CODES.has(closeCode) || closeCode === 1000 || closeCode === 1005;
}

/** Why a connection could not be kept, as far as the user should know. */
export type FailureCause = 'too_many_connections' | 'signed_out' | 'refused' | 'unreachable';

/** The cause a WebSocket close code names (docs/protocol.md), or null for a drop worth retrying. */
export function closeCause(closeCode: number): FailureCause | null {
  if (closeCode === 4008) return 'too_many_connections';
  if (closeCode === 4001) return 'signed_out';
  if (shouldReconnect(closeCode)) return null;
  return 'refused';
}

/** The cause an HTTP status names: 401 signed out, 429 too many, 403 refused, anything else unreachable. */
export function statusCause(status: number): FailureCause {
  if (status === 401) return 'signed_out';
  if (status === 429) return 'too_many_connections';
  if (status === 403) return 'refused';
  return 'unreachable';
}
