import type { KilnHttp } from '../live';
import { savesSettled } from './pendingSaves';

/**
 * Fetches a result export (with the session cookie, or a bearer token outside a browser session) and saves it,
 * once the corrections of that result still in flight are saved: the file then carries them. Refused (an
 * UnsavedCorrection) when one of them failed, rather than saving a file without it.
 */
export async function download(http: KilnHttp, jobId: string, format: string): Promise<void> {
  await savesSettled(jobId);
  await save(http, `/api/v1/jobs/${encodeURIComponent(jobId)}/result?format=${format}`, `${jobId}.${format}`);
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
