// Batches: many files submitted together, each a normal job (docs/protocol.md, "Batches").

import { isObject, malformed, optionalString, type KilnHttp } from '../live';
import { save } from './download';
import { failureOfTheInput } from './errors';

export interface BatchJob {
  id: string;
  fileId?: string;
  fileName?: string;
  state: string;
  progress: number;
  eta?: string;
  error?: string;
}

export interface Batch {
  id: string;
  name?: string;
  type: string;
  createdAt: string;
  jobCount: number;
  counts: Record<string, number>;
  progress: number;
  eta?: string;
  finished: boolean;
  jobs: BatchJob[];
}

function isBatchJob(v: unknown): v is BatchJob {
  return (
    isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.state === 'string' &&
    typeof v.progress === 'number' &&
    optionalString(v.fileId) &&
    optionalString(v.fileName) &&
    optionalString(v.eta) &&
    optionalString(v.error)
  );
}

/** A batch as GET /api/v1/batches/{id} answers it. */
export function isBatch(v: unknown): v is Batch {
  return (
    isObject(v) &&
    typeof v.id === 'string' &&
    typeof v.type === 'string' &&
    typeof v.createdAt === 'string' &&
    typeof v.jobCount === 'number' &&
    typeof v.progress === 'number' &&
    v.progress >= 0 &&
    v.progress <= 1 &&
    typeof v.finished === 'boolean' &&
    isObject(v.counts) &&
    Object.values(v.counts).every((n) => typeof n === 'number') &&
    optionalString(v.name) &&
    optionalString(v.eta) &&
    Array.isArray(v.jobs) &&
    v.jobs.every(isBatchJob)
  );
}

function checked(body: unknown): Batch {
  if (!isBatch(body)) throw malformed('batch');
  return body;
}

export async function createBatch(
  http: KilnHttp,
  request: { type: string; params: Record<string, unknown>; files: string[]; name?: string },
  idempotencyKey: string,
): Promise<Batch> {
  return checked(
    await http.call('/api/v1/batches', {
      method: 'POST',
      body: request,
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  );
}

/** Your newest batches (without their jobs). */
export async function recentBatches(http: KilnHttp, limit: number): Promise<Batch[]> {
  const page = await http.call(`/api/v1/batches?limit=${limit}`);
  const items = isObject(page) && Array.isArray(page.items) ? page.items : null;
  const batches = items?.map((b: unknown) => (isObject(b) ? { ...b, jobs: [] } : b));
  if (!batches || !batches.every(isBatch)) throw malformed('batch list');
  return batches;
}

export async function loadBatch(http: KilnHttp, id: string): Promise<Batch> {
  return checked(await http.call(`/api/v1/batches/${encodeURIComponent(id)}`));
}

/** Cancel-all or retry-failed; answers the batch as it is after. */
export async function batchAction(http: KilnHttp, id: string, action: 'cancel' | 'retry'): Promise<Batch> {
  return checked(await http.call(`/api/v1/batches/${encodeURIComponent(id)}/${action}`, { method: 'POST' }));
}

/** Saves the zip of every succeeded job's result in `format`. */
export function downloadBatch(http: KilnHttp, batch: Batch, format: string): Promise<void> {
  return save(
    http,
    `/api/v1/batches/${encodeURIComponent(batch.id)}/download?format=${encodeURIComponent(format)}`,
    `${batch.name ?? batch.id}-${format}.zip`,
  );
}

/** How many of the batch's jobs are done (whichever way they ended), e.g. "2 of 3 done". */
export function doneSummary(batch: Batch): string {
  const c = batch.counts;
  const done = (c.succeeded ?? 0) + (c.failed ?? 0) + (c.cancelled ?? 0);
  const parts = [`${done} of ${batch.jobCount} done`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  return parts.join(' · ');
}

/** Whether any job can be cancelled. */
export const cancellable = (b: Batch) => !b.finished;

/** The batch's failed and cancelled jobs. */
export const endedUnsucceeded = (b: Batch) => b.jobs.filter((j) => j.state === 'failed' || j.state === 'cancelled');

/**
 * Those of {@link endedUnsucceeded} that the batch's retry runs again (docs/protocol.md, "Batches"): not one
 * whose file was deleted, nor one that failed for its file itself; run again, those would fail the same way.
 */
export const retryableJobs = (b: Batch) =>
  endedUnsucceeded(b).filter(
    (j) => j.fileId !== undefined && !(j.state === 'failed' && j.error !== undefined && failureOfTheInput(j.error)),
  );

/** A batch's name from its files: the first one's, and how many more. */
export function batchName(files: { name: string }[]): string {
  const first = files[0]?.name ?? 'files';
  const name = files.length > 1 ? `${first} and ${files.length - 1} more` : first;
  return name.length > 200 ? `${name.slice(0, 199)}…` : name;
}
