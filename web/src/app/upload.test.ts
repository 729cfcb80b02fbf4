// @vitest-environment jsdom
import * as tus from 'tus-js-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KilnHttp } from '../live';
import { startUpload } from './upload';
import { UploadQueue } from './uploadQueue';

const ENDPOINT = 'http://kiln.test/api/v1/uploads';
const OLD = `${ENDPOINT}/upl_old`;
const NEW = `${ENDPOINT}/upl_new`;

interface Answer {
  status: number;
  headers?: Record<string, string>;
}

/** Kiln's tus endpoint as the test scripts it: each request gets the next answer for its method. */
class FakeTus {
  requests: { method: string; url: string; headers: Record<string, string> }[] = [];
  constructor(private readonly script: Record<string, Answer[]>) {}

  readonly httpStack: tus.HttpStack = {
    getName: () => 'fake',
    createRequest: (method, url) => {
      const headers: Record<string, string> = {};
      const answer = (): tus.HttpResponse => {
        this.requests.push({ method, url, headers });
        const { status, headers: out = {} } = this.script[method]?.shift() ?? { status: 500 };
        return {
          getStatus: () => status,
          getHeader: (name) => out[name],
          getBody: () => '',
          getUnderlyingObject: () => null,
        };
      };
      return {
        getMethod: () => method,
        getURL: () => url,
        setHeader: (name, value) => void (headers[name] = value),
        getHeader: (name) => headers[name],
        setProgressHandler: () => {},
        send: () => Promise.resolve().then(answer),
        abort: () => Promise.resolve(),
        getUnderlyingObject: () => null,
      };
    },
  };

  calls = () => this.requests.map((r) => `${r.method} ${r.url.replace(ENDPOINT, '')}`);
}

/** The browser's record of uploads begun earlier (localStorage in the app). */
class MemoryUrlStorage implements tus.UrlStorage {
  entries = new Map<string, tus.PreviousUpload>();
  findAllUploads = () => Promise.resolve([...this.entries.values()]);
  findUploadsByFingerprint = (fingerprint: string) =>
    Promise.resolve([...this.entries].filter(([key]) => key.startsWith(`${fingerprint}::`)).map(([, u]) => u));
  removeUpload = (key: string) => Promise.resolve(void this.entries.delete(key));
  addUpload = (fingerprint: string, upload: tus.PreviousUpload) => {
    const key = `${fingerprint}::${this.entries.size}`;
    this.entries.set(key, { ...upload, urlStorageKey: key });
    return Promise.resolve(key);
  };
}

/** Reads a Blob in slices, as the browser's reader does. */
const blobReader: tus.FileReader = {
  openFile: (file: Blob) =>
    Promise.resolve({
      size: file.size,
      slice: (start: number, end: number) => Promise.resolve({ value: file.slice(start, end), done: end >= file.size }),
      close: () => {},
    }),
};

/** The browser build's fingerprint (the tests may load the Node build, whose differs). */
const browserFingerprint = (f: File, options: tus.UploadOptions) =>
  Promise.resolve(['tus-br', f.name, f.type, f.size, f.lastModified, options.endpoint].join('-'));
const file = new File(['0123456789'], 'talk.wav', { type: 'audio/wav', lastModified: 1 });
const fingerprint = ['tus-br', file.name, file.type, file.size, file.lastModified, ENDPOINT].join('-');
const http = new KilnHttp({ baseUrl: 'http://kiln.test' });
const saved = { ...tus.defaultOptions };
let storage: MemoryUrlStorage;

beforeEach(() => {
  storage = new MemoryUrlStorage();
  Object.assign(tus.defaultOptions, { urlStorage: storage, fileReader: blobReader, fingerprint: browserFingerprint });
});
afterEach(() => void Object.assign(tus.defaultOptions, saved));

/** Uploads {@link file} against {@link server}; resolves with what the upload ended with. */
function upload(server: FakeTus, job: { processor?: string; params?: Record<string, unknown> } = {}) {
  tus.defaultOptions.httpStack = server.httpStack;
  return new Promise<{ done?: { fileId: string | null; jobId: string | null }; error?: string }>((resolve) =>
    startUpload(
      file,
      { http, ...job },
      { onProgress: () => {}, onDone: (done) => resolve({ done }), onError: (error) => resolve({ error }) },
    ),
  );
}

const JOB = { processor: 'transcribe', params: { language: 'en' } };
/** An upload of {@link file} for {@link JOB} that an earlier page left half sent. */
function leftHalfSent() {
  void storage.addUpload(fingerprint, {
    size: 10,
    metadata: { filename: 'talk.wav', processor: 'transcribe', params: '{"language":"en"}' },
    creationTime: 'earlier',
    urlStorageKey: '',
    uploadUrl: OLD,
    parallelUploadUrls: null,
  });
}
const finished = { status: 204, headers: { 'Upload-Offset': '10', 'Kiln-File-Id': 'fil_1', 'Kiln-Job-Id': 'job_1' } };

describe('an upload refused', () => {
  it('says why without claiming retries when the refusal will not get better', async () => {
    const server = new FakeTus({ POST: [{ status: 400 }] });
    const { error } = await upload(server, JOB);
    expect(error).toBeDefined();
    expect(error).not.toContain('after');
    expect(server.calls()).toEqual(['POST ']);
  });

  it('counts the retries it made before the refusal', async () => {
    const server = new FakeTus({ POST: [{ status: 503 }, { status: 400 }] });
    const { error } = await upload(server, JOB);
    expect(error).toMatch(/ \(after 1 retry\)$/);
    expect(server.calls()).toEqual(['POST ', 'POST ']);
  });
});

describe('resuming an upload', () => {
  it('asks again when the server cannot answer for a while, rather than starting the file over', async () => {
    leftHalfSent();
    const server = new FakeTus({
      HEAD: [{ status: 503 }, { status: 200, headers: { 'Upload-Offset': '5', 'Upload-Length': '10' } }],
      POST: [{ status: 201, headers: { Location: NEW } }],
      PATCH: [finished],
    });
    expect(await upload(server, JOB)).toEqual({ done: { fileId: 'fil_1', jobId: 'job_1' } });
    expect(server.calls()).toEqual(['HEAD /upl_old', 'HEAD /upl_old', 'PATCH /upl_old']);
    expect(server.requests[2].headers['Upload-Offset']).toBe('5');
  });

  it('starts again when the upload expired, forgetting the old one', async () => {
    leftHalfSent();
    const server = new FakeTus({
      HEAD: [{ status: 410 }],
      POST: [{ status: 201, headers: { Location: NEW } }],
      PATCH: [finished],
    });
    expect(await upload(server, JOB)).toEqual({ done: { fileId: 'fil_1', jobId: 'job_1' } });
    expect(server.calls()).toEqual(['HEAD /upl_old', 'POST ', 'PATCH /upl_new']);
    expect(storage.entries.size).toBe(0);
  });

  it('remembers the upload begun after the old one expired, to resume it when the file is chosen again', async () => {
    leftHalfSent();
    const server = new FakeTus({
      HEAD: [{ status: 200, headers: { 'Upload-Offset': '5', 'Upload-Length': '10' } }, { status: 410 }],
      PATCH: [{ status: 503 }, { status: 400 }],
      POST: [{ status: 201, headers: { Location: NEW } }],
    });
    expect(await upload(server, JOB)).toHaveProperty('error');
    expect(server.calls()).toEqual(['HEAD /upl_old', 'PATCH /upl_old', 'HEAD /upl_old', 'POST ', 'PATCH /upl_new']);
    expect((await storage.findUploadsByFingerprint(fingerprint)).map((u) => u.uploadUrl)).toEqual([NEW]);
  });

  it('keeps the bytes sent when the server restarts in the middle of an upload', async () => {
    const server = new FakeTus({
      POST: [
        { status: 201, headers: { Location: NEW } },
        { status: 201, headers: { Location: OLD } },
      ],
      PATCH: [{ status: 503 }, finished],
      HEAD: [{ status: 502 }, { status: 200, headers: { 'Upload-Offset': '5', 'Upload-Length': '10' } }],
    });
    expect(await upload(server, JOB)).toEqual({ done: { fileId: 'fil_1', jobId: 'job_1' } });
    expect(server.calls()).toEqual(['POST ', 'PATCH /upl_new', 'HEAD /upl_new', 'HEAD /upl_new', 'PATCH /upl_new']);
  });
});

describe('choosing a file sent before', () => {
  it('resumes the upload only when it was begun for the same job', async () => {
    leftHalfSent();
    const server = new FakeTus({
      HEAD: [{ status: 200, headers: { 'Upload-Offset': '5', 'Upload-Length': '10' } }],
      POST: [{ status: 201, headers: { Location: NEW } }],
      PATCH: [finished],
    });
    expect(await upload(server, { processor: 'transcribe', params: { language: 'fr' } })).toEqual({
      done: { fileId: 'fil_1', jobId: 'job_1' },
    });
    expect(server.calls()).toEqual(['POST ', 'PATCH /upl_new']);
    const pairs = server.requests[0].headers['Upload-Metadata'].split(',').map((pair) => pair.split(' '));
    expect(Object.fromEntries(pairs.map(([key, value]) => [key, atob(value)]))).toEqual({
      filename: 'talk.wav',
      processor: 'transcribe',
      params: '{"language":"fr"}',
    });
  });

  it('does not call a file for a job uploaded when the server names no job for it', async () => {
    const server = new FakeTus({
      POST: [{ status: 201, headers: { Location: NEW } }],
      PATCH: [{ status: 204, headers: { 'Upload-Offset': '10', 'Kiln-File-Id': 'fil_1' } }],
    });
    tus.defaultOptions.httpStack = server.httpStack;
    const queue = new UploadQueue(http);
    queue.add([file], 'transcribe', { language: 'en' });
    await vi.waitFor(() => expect(queue.snapshot()[0].status).not.toBe('uploading'));
    expect(queue.snapshot()[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/no job/) });
  });
});
