// Correcting a finished transcript's or document's text, segment by segment
// (PATCH /api/v1/jobs/{id}/result). A segment's id is its index in the engine's result and its
// version counts its revisions (0: as the engine left it); an edit names the version it was made
// from, and the server refuses it (409 edit_conflict) when someone else changed the segment since.

import { HttpError, isObject, malformed, optionalString, type KilnHttp } from '../live';

export interface Segment {
  id: number;
  version: number;
  text: string;
  /** True when the text or speaker is the owner's, not the engine's. */
  edited?: boolean;
  speaker?: string;
  start?: number;
  end?: number;
  words?: { word: string; start: number; end: number }[];
  pages?: { from: number; to: number };
}

export interface EditRequest {
  segment: number;
  version: number;
  text?: string;
  speaker?: string;
  restore?: true;
}

/** A segment as it read at one version (0: the engine's); {@link edited} false where text and speaker are the engine's. */
export interface Revision {
  version: number;
  text: string;
  speaker?: string;
  edited: boolean;
  by?: { id: string; name: string | null };
  at?: string;
}

/** A segment's revisions, oldest first; {@link current} is the version it is at. */
export interface RevisionHistory {
  segment: number;
  current: number;
  revisions: Revision[];
}

/** What undoing one edit needs: the segment's text and speaker before it, and whether they were already the owner's. */
export interface UndoEntry {
  segment: number;
  before: { text: string; speaker?: string; edited: boolean };
}

/** What undoing a speaker's naming needs: the name before it ('' when it had none, which takes the name away). */
export interface RenameUndo {
  speaker: string;
  before: string;
}

export function isSegment(value: unknown): value is Segment {
  return (
    isObject(value) &&
    typeof value.id === 'number' &&
    typeof value.version === 'number' &&
    typeof value.text === 'string' &&
    (value.edited === undefined || typeof value.edited === 'boolean') &&
    (value.speaker === undefined || typeof value.speaker === 'string')
  );
}

/** The segments of a stored result as the server shows them (with ids and versions), or null when it has none. */
export function segmentsOf(result: unknown): Segment[] | null {
  if (!isObject(result) || !Array.isArray(result.segments) || !result.segments.every(isSegment)) return null;
  return result.segments;
}

/** The edit that turns {@link segment}'s text into {@link text}; null when nothing would change. */
export function editOf(segment: Segment, text: string): EditRequest | null {
  const next = text.trim();
  if (next === segment.text.trim()) return null;
  return { segment: segment.id, version: segment.version, text: next };
}

/**
 * The edit that undoes {@link entry} on the segment as it is now: back to the engine's text and
 * speaker, or to the owner's earlier ones (the speaker too, as restoring a revision may change it).
 */
export function undoOf(entry: UndoEntry, now: Segment): EditRequest {
  const { text, speaker, edited } = entry.before;
  if (!edited) return { segment: now.id, version: now.version, restore: true };
  return {
    segment: now.id,
    version: now.version,
    text,
    ...(speaker !== undefined && speaker !== now.speaker ? { speaker } : {}),
  };
}

/** The edit that brings {@link revision} back over the segment as it is now: the engine's by a restore, else its text and speaker. */
export function restoreOf(now: Segment, revision: Revision): EditRequest {
  if (!revision.edited) return { segment: now.id, version: now.version, restore: true };
  return {
    segment: now.id,
    version: now.version,
    text: revision.text,
    ...(revision.speaker !== undefined ? { speaker: revision.speaker } : {}),
  };
}

function isRevision(value: unknown): value is Revision {
  return (
    isObject(value) &&
    typeof value.version === 'number' &&
    typeof value.text === 'string' &&
    typeof value.edited === 'boolean' &&
    optionalString(value.speaker) &&
    optionalString(value.at)
  );
}

/** One segment's revisions (GET …/result/segments/{id}/revisions). */
export async function loadRevisions(http: KilnHttp, jobId: string, segment: number): Promise<RevisionHistory> {
  const answer = await http.call(`/api/v1/jobs/${encodeURIComponent(jobId)}/result/segments/${segment}/revisions`);
  if (
    !isObject(answer) ||
    typeof answer.current !== 'number' ||
    !Array.isArray(answer.revisions) ||
    !answer.revisions.every(isRevision)
  ) {
    throw malformed('revisions');
  }
  return answer as unknown as RevisionHistory;
}

/** {@link segments} with {@link updated} in their places; the others stay the same objects, so their rows need not render again. */
export function withUpdated(segments: Segment[], updated: Segment[]): Segment[] {
  if (updated.length === 0) return segments;
  const next = segments.slice();
  for (const segment of updated) {
    if (segment.id >= 0 && segment.id < next.length) next[segment.id] = segment;
  }
  return next;
}

/** Saves edits, all or none; answers the segments as the result now shows them. */
export async function saveEdits(http: KilnHttp, jobId: string, edits: EditRequest[]): Promise<Segment[]> {
  const answer = await http.call(`/api/v1/jobs/${encodeURIComponent(jobId)}/result`, {
    method: 'PATCH',
    body: { edits },
  });
  const segments = isObject(answer) ? answer.segments : undefined;
  if (!Array.isArray(segments) || !segments.every(isSegment)) throw malformed('edit answer');
  return segments;
}

/** The segment someone else changed, when {@link error} is an edit conflict. */
export function conflictOf(error: unknown): { segment: number; version: number } | null {
  if (!(error instanceof HttpError) || error.code !== 'edit_conflict') return null;
  const { segment, version } = error.problem;
  return typeof segment === 'number' && typeof version === 'number' ? { segment, version } : null;
}
