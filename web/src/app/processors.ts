// The processors the server runs, as GET /api/v1/processors describes them, validated.

import { isObject, malformed, type JobSnapshot, type KilnHttp } from '../live';
import { lastSeen } from './format';

/** A JSON Schema (draft 2020-12), as far as the app reads one; `true`/`false` are schemas too. */
export type JsonSchema = boolean | SchemaObject;

export interface SchemaObject {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  [keyword: string]: unknown;
}

/** What a processor's results look like, when the app has a view for them. */
export type ResultShape = 'transcript' | 'document';

export interface ProcessorInfo {
  name: string;
  description: string;
  accepts: string[];
  params: SchemaObject & { properties: Record<string, JsonSchema> };
  resultFormats: string[];
  shape: ResultShape | null;
  details: Record<string, unknown>;
}

/** How many external workers serve a processor; null for one Kiln runs itself. */
export interface WorkerPresence {
  /** Live instances now. */
  workers: number;
  /** When one last claimed (ISO), null if none ever connected. */
  lastSeenAt: string | null;
}

function isProcessor(value: unknown): value is ProcessorInfo {
  const p = value as ProcessorInfo;
  return (
    isObject(p) &&
    typeof p.name === 'string' &&
    typeof p.description === 'string' &&
    Array.isArray(p.accepts) &&
    p.accepts.every((a) => typeof a === 'string') &&
    isObject(p.params) &&
    (p.params.properties === undefined || isObject(p.params.properties)) &&
    Array.isArray(p.resultFormats) &&
    (p.details === undefined || isObject(p.details))
  );
}

export async function loadProcessors(http: KilnHttp): Promise<ProcessorInfo[]> {
  const body = (await http.call('/api/v1/processors')) as { items?: unknown };
  if (!Array.isArray(body.items) || !body.items.every(isProcessor)) throw malformed('processor list');
  return body.items.map((p) => ({
    ...p,
    params: { ...p.params, properties: p.params.properties ?? {} },
    shape: p.shape === 'transcript' || p.shape === 'document' ? p.shape : null,
    details: p.details ?? {},
  }));
}

/** Whether jobs of this processor are made without an input file (`accepts: ["none"]`). */
export function takesNoFile(processor: ProcessorInfo): boolean {
  return processor.accepts.length === 1 && processor.accepts[0] === 'none';
}

/** What stands for the name of a job's input file once that file was deleted. */
export const DELETED_FILE = '(deleted file)';

/**
 * Whether a job's input file was deleted: its processor takes a file, yet the job names none (the API
 * leaves `input` out once the file is gone, as for a job of a processor that takes none). Unknown while
 * the processors are not read, or when the job's processor is gone.
 */
export function inputDeleted(job: Pick<JobSnapshot, 'type' | 'input'>, processors: ProcessorInfo[]): boolean {
  if (job.input) return false;
  const processor = processors.find((p) => p.name === job.type);
  return processor !== undefined && processor.accepts.length > 0 && !takesNoFile(processor);
}

/** Whether a processor takes a file of this type; an unknown type (the browser could not tell) is left to the server. */
export function accepts(processor: ProcessorInfo, mediaType: string): boolean {
  if (takesNoFile(processor)) return false;
  if (!mediaType) return true;
  return processor.accepts.some(
    (pattern) =>
      pattern === '*/*' ||
      pattern === mediaType ||
      (pattern.endsWith('/*') && mediaType.startsWith(pattern.slice(0, -1))),
  );
}

/** Whether its results read as a transcript (timed segments, maybe speakers): the built-in transcriber's, or a worker's that says so. */
export function isTranscriptShaped(processor: ProcessorInfo | undefined, type: string): boolean {
  return processor ? processor.shape === 'transcript' || processor.name === 'transcribe' : type === 'transcribe';
}

export function presence(processor: ProcessorInfo | undefined): WorkerPresence | null {
  const d = processor?.details;
  if (!d || d.servedBy !== 'workers') return null;
  return {
    workers: typeof d.workers === 'number' ? d.workers : 0,
    lastSeenAt: typeof d.lastSeenAt === 'string' ? d.lastSeenAt : null,
  };
}

/** Who serves a processor, for the person choosing it: "2 workers connected", or since when none has been. */
export function workerSummary(p: WorkerPresence, now = Date.now()): string {
  if (p.workers > 0) return `Served by external workers: ${p.workers} connected now.`;
  return `Served by external workers: none connected now (${lastSeen(p.lastSeenAt, now)}). Jobs wait in the queue until one connects.`;
}
