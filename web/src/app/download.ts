import { useState } from 'react';
import type { KilnHttp } from '../live';
import { messageOf } from './errors';
import { savesSettled, sendDrafts } from './pendingSaves';

/**
 * Fetches a result export (with the session cookie, or a bearer token outside a browser session) and saves it,
 * once the corrections of that result still in flight are saved, those typed but not sent yet (a line still
 * open in its field) sent first: the file then carries them. Refused (an UnsavedCorrection) when one of them
 * failed, rather than saving a file without it.
 */
export async function download(http: KilnHttp, jobId: string, format: string): Promise<void> {
  sendDrafts(jobId);
  await savesSettled(jobId);
  await save(http, `/api/v1/jobs/${encodeURIComponent(jobId)}/result?format=${format}`, `${jobId}.${format}`);
}

export interface ResultDownloads {
  /** Whether a download in {@link format} is under way (waiting for corrections, or being fetched). */
  preparing(format: string): boolean;
  /** Starts a download in {@link format}, unless one is under way already. */
  start(format: string): void;
}

/**
 * Downloads of a job's result from a page, wherever its buttons are (the job's page, the library): each
 * {@link download}s, and is {@link ResultDownloads.preparing} meanwhile, for the button to say so.
 * {@link report} hears why one failed or was refused, and undefined as one starts.
 */
export function useResultDownloads(
  http: KilnHttp,
  jobId: string,
  report: (message: string | undefined) => void,
): ResultDownloads {
  const [preparing, setPreparing] = useState<ReadonlySet<string>>(new Set());
  return {
    preparing: (format) => preparing.has(format),
    start(format) {
      if (preparing.has(format)) return; // not disabled meanwhile: a disabled button would lose the focus
      report(undefined);
      setPreparing((now) => new Set(now).add(format));
      download(http, jobId, format)
        .catch((e: unknown) => report(messageOf(e)))
        .finally(() => setPreparing((now) => new Set([...now].filter((f) => f !== format))));
    },
  };
}

/** Fetches `path` with the caller's credentials and saves the answer as a file named `name`. */
export async function save(http: KilnHttp, path: string, name: string): Promise<void> {
  const response = await http.fetch(path);
  if (!response.ok) throw new Error(`Download failed (HTTP ${response.status}).`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
