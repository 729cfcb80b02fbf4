// The search API (GET /api/v1/search): hits with their snippets and anchors, and the job link
// that opens a hit at its moment or page.

import { isObject, malformed, type KilnHttp } from '../live';

/** A piece of a snippet: rendered as text, `match` pieces marked; never as markup. */
export interface SnippetPart {
  text: string;
  match?: boolean;
}

/** Where a found segment is (its job, and file where it has one) and its text: a hit's, an answer's citation's. */
export interface SegmentSource {
  jobId: string;
  jobType: string;
  fileId?: string;
  fileName?: string;
  segment: number;
  text: string;
}

export function isSegmentSource(value: unknown): value is SegmentSource {
  return (
    isObject(value) &&
    typeof value.jobId === 'string' &&
    typeof value.segment === 'number' &&
    typeof value.text === 'string'
  );
}

export interface SearchHit extends SegmentSource {
  snippet: SnippetPart[];
  anchor: { startSeconds?: number; endSeconds?: number; pageFrom?: number; pageTo?: number };
  score: number;
  retrievers: string[];
  owner?: string;
}

export interface SearchPage {
  items: SearchHit[];
  nextCursor: string | null;
}

function isHit(value: unknown): value is SearchHit {
  return (
    isObject(value) &&
    isSegmentSource(value) &&
    Array.isArray(value.snippet) &&
    value.snippet.every((p) => isObject(p) && typeof p.text === 'string') &&
    isObject(value.anchor)
  );
}

export async function search(http: KilnHttp, q: string, cursor?: string): Promise<SearchPage> {
  const query = new URLSearchParams({ q, limit: '20' });
  if (cursor) query.set('cursor', cursor);
  const body = await http.call(`/api/v1/search?${query}`);
  if (!isObject(body) || !Array.isArray(body.items) || !body.items.every(isHit)) throw malformed('search answer');
  return { items: body.items, nextCursor: typeof body.nextCursor === 'string' ? body.nextCursor : null };
}

/** The job page at the hit: its segment highlighted, the player at its start or the list at its page. */
export function hitPath(hit: SearchHit): string {
  return sourcePath(hit.jobId, hit.segment, hit.anchor.startSeconds);
}

/** A job page opened at a segment, and for a recording at a moment (seconds). */
export function sourcePath(jobId: string, segment: number, startSeconds?: number): string {
  const query = new URLSearchParams({ segment: String(segment) });
  if (startSeconds !== undefined) query.set('t', String(startSeconds));
  return `/jobs/${encodeURIComponent(jobId)}?${query}`;
}
