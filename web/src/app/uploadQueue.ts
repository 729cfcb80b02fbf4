// The uploads of this tab, kept outside any page: leaving the New job page and coming back finds
// them where they are, still running. A reload cannot keep a browser's file handles, so the
// page warns first; choosing the same file again, for the same job, resumes it from the server's
// offset.

import type { KilnHttp } from '../live';
import { startUpload, type UploadHandle, type UploadProgress } from './upload';

export interface UploadRow {
  file: File;
  progress: UploadProgress | null;
  status: 'uploading' | 'paused' | 'retrying' | 'done' | 'failed';
  message?: string;
  jobId?: string | null;
}

export class UploadQueue {
  private rows: UploadRow[] = [];
  private readonly handles: UploadHandle[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly http: KilnHttp) {
    window.addEventListener('beforeunload', (event) => {
      if (this.rows.some((r) => r.status === 'uploading' || r.status === 'retrying')) event.preventDefault();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): UploadRow[] => this.rows;

  /** Uploads each file; each job starts on the server when its last byte is in. */
  add(files: File[], processor: string, params: Record<string, unknown>): void {
    for (const file of files) this.upload(file, { processor, params });
    this.changed();
  }

  /**
   * Uploads the files of a batch, starting no job: resolves with their file ids, in order, once
   * every one is in; rejects with the first failure (the others go on, and can be used again).
   */
  addForBatch(files: File[]): Promise<string[]> {
    const uploads = files.map(
      (file) => new Promise<string>((resolve, reject) => this.upload(file, {}, resolve, reject)),
    );
    this.changed();
    return Promise.all(uploads);
  }

  private upload(
    file: File,
    job: { processor?: string; params?: Record<string, unknown> },
    uploaded?: (fileId: string) => void,
    failed?: (error: Error) => void,
  ): void {
    const index = this.rows.length;
    this.rows = [...this.rows, { file, progress: null, status: 'uploading' }];
    this.handles[index] = startUpload(
      file,
      { http: this.http, ...job },
      {
        onProgress: (progress) => this.update(index, { progress, status: 'uploading', message: undefined }),
        onDone: ({ fileId, jobId }) => {
          // The job is made as the last byte goes in: without its id there is nothing to watch.
          if (job.processor && !jobId) {
            const message = 'The file was stored, but no job was started for it; choose it again to start one.';
            this.update(index, { status: 'failed', message });
            return;
          }
          this.update(index, { status: 'done', jobId });
          if (fileId) uploaded?.(fileId);
          else failed?.(new Error(`The server named no file for ${file.name}.`));
        },
        onError: (message) => {
          this.update(index, { status: 'failed', message });
          failed?.(new Error(`${file.name}: ${message}`));
        },
        onRetry: (attempt) => this.update(index, { status: 'retrying', message: `Connection lost; retry ${attempt}…` }),
      },
    );
  }

  pause(index: number): void {
    this.handles[index]?.pause();
    this.update(index, { status: 'paused' });
  }

  resume(index: number): void {
    this.handles[index]?.resume();
    this.update(index, { status: 'uploading' });
  }

  private update(index: number, change: Partial<UploadRow>): void {
    this.rows = this.rows.map((row, i) => (i === index ? { ...row, ...change } : row));
    this.changed();
  }

  private changed(): void {
    this.listeners.forEach((listener) => listener());
  }
}
