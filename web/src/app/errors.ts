// What a user can do about each job error code.

import { errorMessage, type JobSnapshot } from '../live';

const HINTS: Record<string, string> = {
  media_unreadable:
    'The file could not be decoded as audio or video. Check that it plays, or convert it, and upload it again.',
  no_audio: 'The file has no sound track. Upload the recording that has the audio.',
  ocr_unavailable:
    'Text in images needs OCR, which this server lacks. Ask the administrator to install Tesseract, then retry.',
  document_encrypted: 'The document is protected by a password. Remove the protection and upload it again.',
  document_too_large:
    'The document is too large or expands too much to process. Split it, or upload a smaller file; if it has more text than the server allows, an administrator can raise the limit, then retry.',
  document_unreadable: 'The document seems damaged. Open it in its own application, save a fresh copy and upload that.',
  timeout: 'The job ran longer than its limit. Split the input into shorter pieces.',
  lease_expired: 'The server running it stopped. Retry: it will run again on a healthy server.',
  input_missing: 'The uploaded file is gone. Upload it again.',
  processor_error: 'Something went wrong on our side. Retry; if it fails again, tell the administrator.',
};

/**
 * Failures of the input itself (docs/errors.md, "Job error codes"): run again on the same file, the job
 * fails the same way. The server would take the job's own retry all the same; it cannot help (a batch's
 * retry leaves such jobs: the server's JobErrorCode has the same list). Not
 * document_too_large: it also means more text than kiln.extract.max-characters, which an administrator
 * can raise, and then a retry succeeds; nor input_missing: with the file still there it means its stored
 * content went missing (a store not mounted), which an administrator can put right (a deleted file is told
 * by the job having no file).
 */
const FAILURES_OF_THE_INPUT = new Set([
  'invalid_input',
  'media_unreadable',
  'no_audio',
  'document_encrypted',
  'document_unreadable',
]);

/** Whether a job that failed with {@link code} would fail the same way on the same file (the server's JobErrorCode says the same). */
export const failureOfTheInput = (code: string) => FAILURES_OF_THE_INPUT.has(code);

/** Why running a failed or cancelled job again cannot help, in words; undefined when it can. */
export function whyNoRetry(job: Pick<JobSnapshot, 'state' | 'error'>, inputDeleted: boolean): string | undefined {
  if (inputDeleted) return 'It cannot run again: its file was deleted. Upload the file again and start a new job.';
  if (job.state === 'failed' && job.error && failureOfTheInput(job.error.code))
    return 'Running it again would fail the same way: the problem is in the file itself.';
  return undefined;
}

export function hint(code: string): string {
  return HINTS[code] ?? 'Retry the job; if it fails the same way, check the input.';
}

/** What went wrong, for a person: a problem's detail, or the error's message (a request that got no answer says so). */
export const messageOf = errorMessage;
