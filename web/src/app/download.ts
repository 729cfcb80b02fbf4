import type { KilnHttp } from '../live';

/** Fetches a result export (with the session cookie, or a bearer token outside a browser session) and saves it. */
export async function download(http: KilnHttp, jobId: string, format: string): Promise<void> {
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
