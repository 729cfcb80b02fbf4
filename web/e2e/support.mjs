// What the browser tests share: their arguments, checks that print what they prove, Debian's
// Chromium, screenshots, the API as the admin calls it (files, jobs and waiting for them), and a
// runner for a test written as named steps.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** `--name value` pairs from the command line. */
export const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
export const base = args.base;

/** An API call with a bearer token (the admin's unless another is given), JSON both ways. */
export const api = (p, init = {}, token = args.token) =>
  fetch(base + p, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });

/**
 * The first truthy answer of `probe`, asked every `every` ms: for what the API gives no signal of
 * (a job's state, the search index); fails after `ms`.
 */
export async function until(what, probe, { ms = 90_000, every = 100 } = {}) {
  const deadline = Date.now() + ms;
  for (;;) {
    const answer = await probe();
    if (answer) return answer;
    if (Date.now() > deadline) throw new Error(`FAILED: timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Uploads a file as its raw bytes under `name`; answers the file. */
export async function upload(file, name) {
  const response = await api(`/api/v1/files?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    body: fs.readFileSync(file),
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (response.status !== 201) throw new Error(`upload of ${name}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

/** Submits a job on a file; answers its snapshot. */
export async function submit(type, fileId, params = {}) {
  const job = await (
    await api('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ type, input: { fileId }, params }) })
  ).json();
  if (!job.id) throw new Error(`submitting ${type}: ${JSON.stringify(job)}`);
  return job;
}

/** Waits (at most three minutes) until a job is in one of `states`, and answers it. */
export function waitForState(id, ...states) {
  return until(
    `job ${id} is ${states.join(' or ')}`,
    async () => {
      const job = await (await api(`/api/v1/jobs/${id}`)).json();
      return states.includes(job.state) && job;
    },
    { ms: 180_000, every: 250 },
  );
}

/** Runs a job on a file and waits until it has finished (whichever way). */
export async function runJob(type, fileId, params = {}) {
  const job = await submit(type, fileId, params);
  return waitForState(job.id, 'succeeded', 'failed', 'cancelled');
}

export function check(condition, what) {
  if (!condition) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export async function shot(page, name) {
  fs.mkdirSync(args.shots, { recursive: true });
  await page.screenshot({ path: path.join(args.shots, `${name}.png`), fullPage: true });
}

/**
 * The speech fixture repeated `times` times in one WAV (a longer recording, each repeat saying the
 * same), with `gapSeconds` of silence between repeats (a pause the recogniser ends an utterance at).
 */
export function longSpeech(source, times, gapSeconds = 0) {
  const wav = fs.readFileSync(source);
  const dataAt = wav.indexOf('data') + 8;
  const pcm = wav.subarray(dataAt);
  const gap = Buffer.alloc(Math.round(gapSeconds * wav.readUInt32LE(28)) & ~1); // byte rate, whole samples
  const parts = Array.from({ length: times }, (_, i) => (i === 0 ? [pcm] : [gap, pcm])).flat();
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header = Buffer.from(wav.subarray(0, dataAt));
  header.writeUInt32LE(length + dataAt - 8, 4);
  header.writeUInt32LE(length, dataAt - 4);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-')), 'long-speech.wav');
  fs.writeFileSync(file, Buffer.concat([header, ...parts]));
  return file;
}

/**
 * Runs a test written as named steps in one page of Debian's Chromium (`s.page`, for the steps to
 * share with what else they keep in `s`), printing each name and PASS at the end; on a failure
 * saves the screenshot `failureShot` and sets the exit code. Answers whether every step passed.
 */
export async function runSteps(steps, s, failureShot) {
  const browser = await launch();
  try {
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    s.page = await context.newPage();
    for (const [name, step] of steps) {
      console.log(`# ${name}`);
      await step();
    }
    console.log('PASS');
    return true;
  } catch (e) {
    console.error(e);
    if (s.page) await shot(s.page, failureShot).catch(() => undefined);
    process.exitCode = 1;
    return false;
  } finally {
    await browser.close();
  }
}
