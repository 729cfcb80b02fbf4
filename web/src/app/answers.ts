// Ask (POST /api/v1/answers): a question becomes an `answer` job. Its partial results are first
// the passages it cites ({citations}), then the answer as it is written ({delta}); its result holds
// the whole answer, which is what a finished answer shows (a replay may have lost early deltas).

import { isObject, isJobSnapshot, malformed, type KilnHttp } from '../live';
import { isSegmentSource, sourcePath, type SegmentSource } from './search';

/** A numbered source of an answer, cited in its text as [n]. */
export interface Citation extends SegmentSource {
  n: number;
  startSeconds?: number;
  endSeconds?: number;
  pageFrom?: number;
  pageTo?: number;
}

/** How the answer was written: by the configured model, quoted from the passages, or not at all. */
export type AnswerMode = 'llm' | 'extractive' | 'none';

/** A finished answer as stored (GET the job's result). */
export interface StoredAnswer {
  question: string;
  answer: string;
  mode: AnswerMode;
  model?: string;
  citations: Citation[];
  conversation?: string;
}

function isCitation(value: unknown): value is Citation {
  return isObject(value) && typeof value.n === 'number' && isSegmentSource(value);
}

function citationsIn(value: unknown): Citation[] | undefined {
  return Array.isArray(value) && value.every(isCitation) ? value : undefined;
}

/** Asks a question (a follow-up when `conversation` names an earlier answer); answers the new job's id. */
export async function ask(http: KilnHttp, question: string, conversation?: string): Promise<string> {
  const body = await http.call('/api/v1/answers', {
    method: 'POST',
    body: conversation ? { question, conversation } : { question },
  });
  if (!isJobSnapshot(body)) throw malformed('answer job');
  return body.id;
}

export async function storedAnswer(http: KilnHttp, href: string): Promise<StoredAnswer> {
  const body = await http.call(href);
  const citations = isObject(body) ? citationsIn(body.citations) : undefined;
  if (!isObject(body) || typeof body.answer !== 'string' || typeof body.question !== 'string' || !citations)
    throw malformed('answer');
  return {
    question: body.question,
    answer: body.answer,
    mode: body.mode === 'llm' || body.mode === 'none' ? body.mode : 'extractive',
    model: typeof body.model === 'string' ? body.model : undefined,
    citations,
    conversation: typeof body.conversation === 'string' ? body.conversation : undefined,
  };
}

/** What the partial results hold so far: the cited passages and the text written after them. */
export function answerSoFar(partials: unknown[]): { citations: Citation[]; text: string } {
  let citations: Citation[] = [];
  let text = '';
  for (const partial of partials) {
    if (!isObject(partial)) continue;
    const cited = citationsIn(partial.citations);
    if (cited) citations = cited;
    if (typeof partial.delta === 'string') text += partial.delta;
  }
  return { citations, text };
}

/** The earlier answer this one follows, from its params. */
export function follows(params: Record<string, unknown>): string | undefined {
  const previous = params.conversation;
  return typeof previous === 'string' ? previous : undefined;
}

/** An answer's text cut into plain pieces and citation markers ([1], [2][3]), never as markup. */
export function withMarkers(text: string): Array<string | number> {
  const pieces: Array<string | number> = [];
  let last = 0;
  for (const found of text.matchAll(/\[(\d{1,3})\]/g)) {
    if (found.index > last) pieces.push(text.slice(last, found.index));
    pieces.push(Number(found[1]));
    last = found.index + found[0].length;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}

/** The job page at the cited passage: its moment in a recording, its page in a document. */
export function citationPath(c: Citation): string {
  return sourcePath(c.jobId, c.segment, c.startSeconds);
}
