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
  let fileId: string | null = null;
  let jobId: string | null = null;
  let speed = 0;
  let last: { at: number; sent: number } | null = null;
  let retries = 0;
  const metadata: Record<string, string> = { filename: file.name };
  if (options.processor) {
    metadata.processor = options.processor;
    metadata.params = JSON.stringify(options.params ?? {});
  }
  const upload = new tus.Upload(file, {
    endpoint: `${options.http.baseUrl}/api/v1/uploads`,
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
      if (retry) callbacks.onRetry?.(attempt + 1);
      retries = attempt + 1;
      return retry;
    },
    onProgress(sent, total) {
      const now = performance.now();
      if (last && now > last.at) {
        const instant = ((sent - last.sent) * 1000) / (now - last.at);
        speed = speed === 0 ? instant : speed * 0.8 + instant * 0.2;
      }
      last = { at: now, sent };
      callbacks.onProgress({ sent, total, speed, remaining: speed > 0 ? (total - sent) / speed : null });
    },
    onAfterResponse(_request, response) {
      if (response.getStatus() === 401) options.http.unauthenticated();
      fileId = response.getHeader('Kiln-File-Id') ?? fileId;
      jobId = response.getHeader('Kiln-Job-Id') ?? jobId;
    },
    onSuccess() {
      callbacks.onDone({ fileId, jobId });
    },
    onError(error) {
      const body = (error as tus.DetailedError).originalResponse?.getBody();
      let message = error.message;
      try {
        const problem = JSON.parse(body ?? '') as { detail?: string };
        if (problem.detail) message = problem.detail;
      } catch {
        // not a problem document: keep tus's message
      }
      callbacks.onError(retries > 0 ? `${message} (after ${retries} retries)` : message);
    },
  });
  void upload.findPreviousUploads().then((previous) => {
    if (previous.length > 0) upload.resumeFromPreviousUpload(previous[0]);
    upload.start();
  });
  return {
    pause: () => void upload.abort(),
    resume: () => upload.start(),
  };
}
