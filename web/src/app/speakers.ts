// Transcripts as the server stores them, and the names their owner gives the speakers.
// The engine's speaker ids (SPEAKER_00, …) stay on the segments; the result's top-level
// `speakerNames` maps ids to the names chosen since (PUT /api/v1/jobs/{id}/speakers).

import { isObject, malformed, type KilnHttp } from '../live';

export interface Utterance {
  text: string;
  start: number;
  end: number;
  /** The engine's id of who speaks, when it tells speakers apart. */
  speaker?: string;
  words?: { word: string; start: number; end: number }[];
}

export type SpeakerNames = Record<string, string>;

export interface Transcript {
  segments: Utterance[];
  speakerNames: SpeakerNames;
}

export function isUtterance(value: unknown): value is Utterance {
  const u = value as Utterance;
  return (
    isObject(u) &&
    typeof u.text === 'string' &&
    typeof u.start === 'number' &&
    typeof u.end === 'number' &&
    (u.speaker === undefined || typeof u.speaker === 'string') &&
    (u.words === undefined ||
      (Array.isArray(u.words) && u.words.every((w) => typeof w.word === 'string' && typeof w.start === 'number')))
  );
}

export function isSpeakerNames(value: unknown): value is SpeakerNames {
  return isObject(value) && Object.values(value).every((name) => typeof name === 'string');
}

/** A stored result read as a transcript, or null when it is not one. */
export function asTranscript(result: unknown): Transcript | null {
  if (!isObject(result) || !Array.isArray(result.segments) || !result.segments.every(isUtterance)) return null;
  return {
    segments: result.segments,
    speakerNames: isSpeakerNames(result.speakerNames) ? result.speakerNames : {},
  };
}

/** What a speaker is called on screen: the name the owner gave, else the engine's id. */
export function displayName(id: string, names: SpeakerNames): string {
  const name = names[id];
  return name !== undefined && name.trim() !== '' ? name : id;
}

/** Names a speaker of a job's transcript; the answer is every name the transcript now has. */
export async function renameSpeaker(
  http: KilnHttp,
  jobId: string,
  speaker: string,
  name: string,
): Promise<SpeakerNames> {
  const answer = await http.call(`/api/v1/jobs/${encodeURIComponent(jobId)}/speakers`, {
    method: 'PUT',
    body: { names: { [speaker]: name } },
  });
  if (!isObject(answer) || !isSpeakerNames(answer.names)) throw malformed('speaker names');
  return answer.names;
}
