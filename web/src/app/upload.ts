// One resumable upload with tus-js-client: progress with speed and time left, pause and resume,
// automatic retries after a network drop, and resumption of an upload an earlier page started.

import * as tus from 'tus-js-client';
import type { KilnHttp } from '../live';

export interface UploadProgress {
  sent: number;
  total: number;
  /** Bytes per second, smoothed. */
  speed: number;
  /** Seconds left at that speed; null until it is known. */
  remaining: number | null;
}

export interface UploadCallbacks {
  onProgress(progress: UploadProgress): void;
  onDone(result: { fileId: string | null; jobId: string | null }): void;
  onError(message: string): void;
  /** The network dropped and tus-js-client is about to try again. */
  onRetry?(attempt: number): void;
}

export interface UploadHandle {
  pause(): void;
  resume(): void;
}

/** Retries spread over about a minute: long enough for Wi-Fi to come back, short enough to notice. */
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000];

export function startUpload(
  file: File,
  options: { http: KilnHttp; processor?: string; params?: Record<string, unknown> },
  callbacks: UploadCallbacks,
): UploadHandle {
  const endpoint = `${options.http.baseUrl}/api/v1/uploads`;
  let fileId: string | null = null;
  let jobId: string | null = null;
  let retries = 0;
  const metadata: Record<string, string> = { filename: file.name };
  if (options.processor) {
    metadata.processor = options.processor;
    metadata.params = JSON.stringify(options.params ?? {});
  }
  const upload: tus.Upload = new tus.Upload(file, {
    endpoint,
    // tus-js-client's own fingerprint, but with this endpoint rather than options.endpoint, which
    // onAfterResponse changes.
    fingerprint: (f) => Promise.resolve(['tus-br', f.name, f.type, f.size, f.lastModified, endpoint].join('-')),
    // The same credentials as every other call (the cookie goes by itself; POST, PATCH and DELETE
    // need the CSRF token), read at each request so a renewed one is used.
    onBeforeRequest(request) {
      for (const [name, value] of Object.entries(options.http.headers(request.getMethod())))
        request.setHeader(name, value);
    },
    metadata,
    retryDelays: RETRY_DELAYS,
    chunkSize: 50 * 1024 * 1024,
    removeFingerprintOnSuccess: true,
    onShouldRetry(error, attempt) {
      const status = error.originalResponse?.getStatus() ?? 0;
      // Client errors other than a lock held by the previous connection will not get better.
      const retry = status === 0 || status === 423 || status === 409 || status >= 500;
      if (retry) {
        callbacks.onRetry?.(attempt + 1);
        retries = attempt + 1;
      }
      return retry;
    },
    onProgress: speedometer(callbacks.onProgress),
    onAfterResponse(request, response) {
      const status = response.getStatus();
      if (status === 401) options.http.unauthenticated();
      // After any failed HEAD but a 423, tus-js-client starts a new upload if it knows the
      // endpoint: right when the upload is gone (404, 410), wrong when the server or its proxy is
      // restarting (5xx), which would send the whole file again and leave the old upload holding
      // quota. Without the endpoint it reports the error instead, and onShouldRetry asks again.
      if (request.getMethod() === 'HEAD') upload.options.endpoint = status === 404 || status === 410 ? endpoint : null;
      fileId = response.getHeader('Kiln-File-Id') ?? fileId;
      jobId = response.getHeader('Kiln-Job-Id') ?? jobId;
    },
    onSuccess() {
      callbacks.onDone({ fileId, jobId });
    },
    onError(error) {
      const after = retries === 0 ? '' : ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})`;
      callbacks.onError(`${messageOf(error)}${after}`);
    },
  });
  void upload.findPreviousUploads().then((previous) => {
    // The fingerprint is the file's alone, but the server makes the job from the metadata the upload
    // was created with: one begun with other settings, or for a batch (none), is not this one.
    const same = previous.find((p) => sameMetadata(p.metadata ?? {}, metadata));
    if (same) upload.resumeFromPreviousUpload(same);
    upload.start();
  });
  return {
    pause: () => void upload.abort(),
    resume: () => upload.start(),
  };
}

function sameMetadata(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** tus-js-client's progress as bytes, speed (smoothed) and time left. */
function speedometer(report: (progress: UploadProgress) => void): (sent: number, total: number) => void {
  let speed = 0;
  let last: { at: number; sent: number } | null = null;
  return (sent, total) => {
    const now = performance.now();
    if (last && now > last.at) {
      const instant = ((sent - last.sent) * 1000) / (now - last.at);
      speed = speed === 0 ? instant : speed * 0.8 + instant * 0.2;
    }
    last = { at: now, sent };
    report({ sent, total, speed, remaining: speed > 0 ? (total - sent) / speed : null });
  };
}

/** The server's problem detail when the answer carries one, else what went wrong in a few words. */
function messageOf(error: Error): string {
  const response = (error as tus.DetailedError).originalResponse;
  try {
    const problem = JSON.parse(response?.getBody() ?? '') as { detail?: string };
    if (problem.detail) return problem.detail;
  } catch {
    // not a problem document
  }
  // A HEAD's answer has no body, and tus's message would blame the endpoint it was not given.
  const status = response?.getStatus() ?? 0;
  if (status >= 500) return `The server is unavailable (HTTP ${status}); choose the file again later to resume it.`;
  return error.message;
}
