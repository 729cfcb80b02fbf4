// Corrections of a job's result (line edits, undos, restored revisions, speaker names) still on their
// way to the server, so that a download of that result can wait for them: the server builds the file
// from what it has stored, and a download sent while a correction is in flight would carry the text
// from before it. Also those typed but not sent yet (a line still open in its field), which a download
// sends first.

const pending = new Map<string, Set<Promise<unknown>>>();
const drafts = new Map<string, Set<() => void>>();

/** Counts {@link save} as in flight for {@link jobId}'s result until it settles; answers it unchanged. */
export function trackSave<T>(jobId: string, save: Promise<T>): Promise<T> {
  let saves = pending.get(jobId);
  if (!saves) pending.set(jobId, (saves = new Set()));
  const mine = saves.add(save);
  const done = () => {
    mine.delete(save);
    if (mine.size === 0 && pending.get(jobId) === mine) pending.delete(jobId);
  };
  save.then(done, done);
  return save;
}

/**
 * Counts {@link send} as a correction of {@link jobId}'s result typed but not sent yet, which
 * {@link sendDrafts} sends; answers the function that forgets it (the field closed, or is saving).
 */
export function holdDraft(jobId: string, send: () => void): () => void {
  let sends = drafts.get(jobId);
  if (!sends) drafts.set(jobId, (sends = new Set()));
  const mine = sends.add(send);
  return () => {
    mine.delete(send);
    if (mine.size === 0 && drafts.get(jobId) === mine) drafts.delete(jobId);
  };
}

/**
 * Sends the corrections of {@link jobId}'s result typed but not sent yet, each as Enter would: each
 * {@link trackSave}s its save at once, so a {@link savesSettled} called next waits for it.
 */
export function sendDrafts(jobId: string): void {
  [...(drafts.get(jobId) ?? [])].forEach((send) => send());
}

/** A correction to {@link jobId}'s result was not saved, so a download of it would not carry it. */
export class UnsavedCorrection extends Error {
  constructor() {
    super(
      'Not downloaded: a correction could not be saved (see why at the text). Download again to get the result as it is saved now.',
    );
  }
}

/** A correction of the result was still in flight when the download stopped waiting for it. */
export class CorrectionStillSaving extends Error {
  constructor(seconds: number) {
    super(
      `Not downloaded: a correction has been on its way to the server for ${seconds} s. Download again once it is saved.`,
    );
  }
}

/**
 * Waits until no correction of {@link jobId}'s result is in flight, those started meanwhile included;
 * rejects with {@link UnsavedCorrection} when one of them failed, and with {@link CorrectionStillSaving}
 * after {@link limitMs} (a request with no answer on a half-open connection would otherwise hold the
 * download, and its button, for good).
 */
export async function savesSettled(jobId: string, limitMs = 30_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CorrectionStillSaving(Math.round(limitMs / 1000))), limitMs);
  });
  try {
    let failed = false;
    for (let saves = pending.get(jobId); saves && saves.size > 0; saves = pending.get(jobId)) {
      // Each save's own `done` ran before this resolves (it was attached first), so the set shrinks.
      const outcomes = await Promise.race([Promise.allSettled([...saves]), limit]);
      failed ||= outcomes.some((o) => o.status === 'rejected');
    }
    if (failed) throw new UnsavedCorrection();
  } finally {
    clearTimeout(timer);
  }
}
