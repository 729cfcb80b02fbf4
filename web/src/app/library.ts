// Your library: files with the jobs made from them, their deletion, and what they take of your
// quota, as the API describes them (GET /api/v1/files, DELETE /api/v1/files/{id}, GET /api/v1/me/usage).

import { FINAL_STATES, HttpError, isObject, malformed, type JobState, type KilnHttp } from '../live';
import { timestamp } from './format';
import type { ProcessorInfo } from './processors';

export interface MadeJob {
  id: string;
  type: string;
  state: JobState;
}

export interface LibraryFile {
  id: string;
  name?: string;
  size: number;
  mediaType: string;
  sha256: string;
  createdAt: string;
  /** Seconds, once a processor has measured the recording. */
  duration?: number;
  /** Once a processor has read the paged document. */
  pages?: number;
  /** Given to admins, who see everyone's files. */
  owner?: string;
  /** The latest jobs made from the file (at most five), oldest first; the rest are {@link earlierJobs}'. */
  jobs: MadeJob[];
  /** How many jobs were made from the file in all (of a member's file: theirs). */
  jobCount: number;
  /**
   * The job list's cursor just after the oldest of {@link jobs}: where {@link earlierJobs} starts, whatever was made
   * since. Null when {@link jobs} are all of them.
   */
  jobsCursor?: string | null;
}

export interface FilePage {
  items: LibraryFile[];
  nextCursor: string | null;
  total: number;
}

export interface Usage {
  usedBytes: number;
  quotaBytes: number;
  files: number;
  jobs: Record<string, number>;
}

/** The kinds the library filters by; documents are what the server files under application/*. */
export const KINDS = { audio: 'audio/*', video: 'video/*', documents: 'application/*' } as const;
export type Kind = keyof typeof KINDS;

export function isKind(value: string | null | undefined): value is Kind {
  return value !== null && value !== undefined && Object.hasOwn(KINDS, value);
}

const absent = (v: unknown) => v === undefined || v === null;
const isCount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

export function isMadeJob(value: unknown): value is MadeJob {
  return (
    isObject(value) && typeof value.id === 'string' && typeof value.type === 'string' && typeof value.state === 'string'
  );
}

export function isLibraryFile(value: unknown): value is LibraryFile {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    (absent(value.name) || typeof value.name === 'string') &&
    isCount(value.size) &&
    typeof value.mediaType === 'string' &&
    typeof value.sha256 === 'string' &&
    typeof value.createdAt === 'string' &&
    (absent(value.duration) || isCount(value.duration)) &&
    (absent(value.pages) || isCount(value.pages)) &&
    (absent(value.owner) || typeof value.owner === 'string') &&
    Array.isArray(value.jobs) &&
    value.jobs.every(isMadeJob) &&
    isCount(value.jobCount) &&
    (absent(value.jobsCursor) || typeof value.jobsCursor === 'string')
  );
}

export function isUsage(value: unknown): value is Usage {
  return (
    isObject(value) &&
    isCount(value.usedBytes) &&
    isCount(value.quotaBytes) &&
    isCount(value.files) &&
    isObject(value.jobs) &&
    Object.values(value.jobs).every(isCount)
  );
}

export async function listFiles(
  http: KilnHttp,
  filter: { q?: string; kind?: Kind; cursor?: string; limit?: number },
): Promise<FilePage> {
  const query = new URLSearchParams({ limit: String(filter.limit ?? 25) });
  if (filter.q) query.set('q', filter.q);
  if (filter.kind) query.set('mediaType', KINDS[filter.kind]);
  if (filter.cursor) query.set('cursor', filter.cursor);
  const body = await http.call(`/api/v1/files?${query}`);
  if (
    !isObject(body) ||
    !Array.isArray(body.items) ||
    !body.items.every(isLibraryFile) ||
    !isCount(body.total) ||
    !(absent(body.nextCursor) || typeof body.nextCursor === 'string')
  )
    throw malformed('file list');
  const nextCursor = typeof body.nextCursor === 'string' ? body.nextCursor : null;
  return { items: body.items, nextCursor, total: body.total as number };
}

/** A page of a file's jobs older than those its row shows, oldest first, and the cursor to the page before it. */
export interface EarlierJobs {
  jobs: MadeJob[];
  cursor: string | null;
}

/**
 * The jobs made from {@link file} before those the file list gave it (GET /api/v1/jobs?file=, newest first): up to
 * {@link limit}, from {@link cursor} on if given (the one the previous page answered), else from the file's
 * `jobsCursor`, just after the oldest job its row shows: jobs made since the list was read are never read.
 */
export async function earlierJobs(
  http: KilnHttp,
  file: Pick<LibraryFile, 'id' | 'jobsCursor'>,
  limit: number,
  cursor?: string,
): Promise<EarlierJobs> {
  const from = cursor ?? file.jobsCursor;
  if (!from) return { jobs: [], cursor: null };
  const page = await http.jobs({ file: file.id, limit: String(limit), cursor: from });
  const jobs = page.items.map(({ id, type, state }) => ({ id, type, state })).reverse();
  return { jobs, cursor: page.nextCursor };
}

export async function readUsage(http: KilnHttp): Promise<Usage> {
  const body = await http.call('/api/v1/me/usage');
  if (!isUsage(body)) throw malformed('usage answer');
  return body;
}

/** Deletes a file; with `withJobs`, every job made from it too. */
export async function deleteFile(http: KilnHttp, id: string, withJobs = false): Promise<void> {
  await http.call(`/api/v1/files/${encodeURIComponent(id)}${withJobs ? '?jobs=delete' : ''}`, { method: 'DELETE' });
}

/** One file's outcome in a bulk deletion: 204, or the status and problem its single deletion answers. */
export interface Deleted {
  id: string;
  status: number;
  code?: string;
  detail?: string;
}

/**
 * Why a file of a bulk deletion did not go, in the words of the page: the file by its name and the jobs
 * by theirs. The server's detail names them by id (and an API option), which the user never sees.
 */
export function refusalOf(file: LibraryFile | undefined, outcome: Deleted): string {
  const name = file?.name ?? file?.id ?? outcome.id;
  // Jobs still to run or running: those that keep a file from being deleted.
  const waiting = (file?.jobs ?? []).filter((job) => !FINAL_STATES.has(job.state));
  const jobs = waiting.map((job) => `${job.type} (${job.state.replace('_', ' ')})`);
  const them = jobs.length === 1 ? 'it' : 'them';
  switch (outcome.code) {
    case 'file_in_use':
      // A running job keeps the file from going with its jobs too (job_running): it must be cancelled first.
      return `${name} is needed by ${jobs.length > 0 ? jobs.join(', ') : 'jobs waiting or running'}: ${
        waiting.some((job) => job.state === 'running')
          ? `cancel ${them} first.`
          : `cancel ${them}, or delete the file on its own with its jobs.`
      }`;
    case 'job_running':
      return `${name}: jobs made from it are running; cancel them first.`;
    case 'file_not_found':
      return `${name} was already deleted.`;
    default:
      return `${name}: ${outcome.detail ?? outcome.code ?? `refused (${outcome.status})`}`;
  }
}

/** Most ids one bulk deletion takes (docs/protocol.md); a larger selection goes in several. */
export const MOST_IDS_PER_DELETION = 200;

/**
 * Deletes files by id, at most {@link MOST_IDS_PER_DELETION} a request, one request after another;
 * each request's outcomes go to {@link onOutcomes} as they come, so that a later request's failure
 * (which throws) leaves what the earlier ones did known.
 */
export async function deleteFiles(
  http: KilnHttp,
  ids: string[],
  onOutcomes: (outcomes: Deleted[]) => void = () => undefined,
): Promise<Deleted[]> {
  const all: Deleted[] = [];
  for (let at = 0; at < ids.length; at += MOST_IDS_PER_DELETION) {
    const body = await http.call('/api/v1/files/delete', {
      method: 'POST',
      body: { ids: ids.slice(at, at + MOST_IDS_PER_DELETION) },
    });
    const list = isObject(body) ? body.items : undefined;
    if (
      !Array.isArray(list) ||
      !list.every((d) => isObject(d) && typeof d.id === 'string' && typeof d.status === 'number')
    )
      throw malformed('deletion answer');
    all.push(...(list as Deleted[]));
    onOutcomes(list as Deleted[]);
  }
  return all;
}

/**
 * The jobs a deletion refused with 409 {@link code} names, else none: for file_in_use those waiting or
 * running on the file; for job_running (a deletion with its jobs) the running ones, to be cancelled first.
 */
export function jobsNamedBy(error: unknown, code: 'file_in_use' | 'job_running'): MadeJob[] | undefined {
  if (!(error instanceof HttpError) || error.status !== 409 || error.code !== code) return undefined;
  const jobs = error.problem.jobs;
  return Array.isArray(jobs) ? jobs.filter(isMadeJob) : [];
}

/** How long or large a file is, once measured: "1:23" for a recording, "12 pages" for a document. */
export function fileLength(file: Pick<LibraryFile, 'duration' | 'pages'>): string {
  if (file.duration !== undefined && file.duration !== null) return timestamp(file.duration);
  if (file.pages !== undefined && file.pages !== null) return `${file.pages} ${file.pages === 1 ? 'page' : 'pages'}`;
  return '';
}

export type Viewing = 'audio' | 'video' | 'document';

/** How a file is looked at: played inline (audio, video) or opened in a tab. */
export function viewing(mediaType: string): Viewing {
  if (mediaType.startsWith('audio/')) return 'audio';
  if (mediaType.startsWith('video/')) return 'video';
  return 'document';
}

/** A file's bytes (ranges work), with the session cookie. */
export function contentUrl(http: KilnHttp, id: string): string {
  return `${http.baseUrl}/api/v1/files/${encodeURIComponent(id)}/content`;
}

/** The formats a job's result downloads in: what its processor offers (JSON at least). */
export function resultFormats(type: string, processors: ProcessorInfo[]): string[] {
  const formats = processors.find((p) => p.name === type)?.resultFormats ?? [];
  return formats.length > 0 ? formats : ['json'];
}

/** The library's address for a search and a kind: what reload and links keep. */
export function libraryPath(q: string, kind: Kind | undefined): string {
  const query = new URLSearchParams();
  if (q) query.set('q', q);
  if (kind) query.set('type', kind);
  return `/library${query.size ? `?${query}` : ''}`;
}
