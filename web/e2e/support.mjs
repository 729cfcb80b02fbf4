// What the browser tests share: their arguments, checks that print what they prove, Debian's
// Chromium, screenshots, and the API as the admin calls it.
import fs from 'node:fs';
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
