// What the browser tests share: their arguments, checks that print what they prove, Debian's
// Chromium, screenshots, and the API as the admin calls it.
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

/** The speech fixture repeated `times` times in one WAV (a longer recording, each repeat saying the same). */
export function longSpeech(source, times) {
  const wav = fs.readFileSync(source);
  const dataAt = wav.indexOf('data') + 8;
  const pcm = wav.subarray(dataAt);
  const header = Buffer.from(wav.subarray(0, dataAt));
  header.writeUInt32LE(pcm.length * times + dataAt - 8, 4);
  header.writeUInt32LE(pcm.length * times, dataAt - 4);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-')), 'long-speech.wav');
  fs.writeFileSync(file, Buffer.concat([header, ...Array(times).fill(pcm)]));
  return file;
}
