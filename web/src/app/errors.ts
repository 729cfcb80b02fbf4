// What a user can do about each job error code.

import { errorMessage } from '../live';

const HINTS: Record<string, string> = {
  media_unreadable:
    'The file could not be decoded as audio or video. Check that it plays, or convert it, and upload it again.',
  no_audio: 'The file has no sound track. Upload the recording that has the audio.',
  ocr_unavailable:
    'Text in images needs OCR, which this server lacks. Ask the administrator to install Tesseract, then retry.',
  document_encrypted: 'The document is protected by a password. Remove the protection and upload it again.',
  document_too_large: 'The document is too large or expands too much to process. Split it, or upload a smaller file.',
  document_unreadable: 'The document seems damaged. Open it in its own application, save a fresh copy and upload that.',
  timeout: 'The job ran longer than its limit. Split the input into shorter pieces.',
  lease_expired: 'The server running it stopped. Retry: it will run again on a healthy server.',
  input_missing: 'The uploaded file is gone. Upload it again.',
  processor_error: 'Something went wrong on our side. Retry; if it fails again, tell the administrator.',
};

export function hint(code: string): string {
  return HINTS[code] ?? 'Retry the job; if it fails the same way, check the input.';
}

/** What went wrong, for a person: a problem's detail, or the error's message (a request that got no answer says so). */
export const messageOf = errorMessage;
