// End-to-end test of the web app in real headless Chromium (Debian's, driven by playwright-core),
// against a Kiln the calling Java test started. Prints what it checks; exits non-zero on the first
// failure. To have Kiln restarted it prints RESTART-KILN (or CRASH-KILN) and waits for a line on stdin. Screenshots of the main pages, desktop and 375 px wide, go to --shots.
//
//   node e2e/app.e2e.mjs --base http://localhost:8080 --token T --speech speech.wav --shots ../target/screenshots
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const base = args.base;
const api = (p, init = {}) => fetch(base + p, { ...init, headers: { Authorization: `Bearer ${args.token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
fs.mkdirSync(args.shots, { recursive: true });

function check(condition, what) {
  if (!condition) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

/** The speech fixture repeated: a minute or two of audio, so a refresh lands mid-job. */
function longSpeech(source, times) {
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

/** Asks the Java test that started Kiln to restart it (same port; SIGTERM, or SIGKILL for CRASH-KILN), and waits until it has. */
async function restartKiln(how = 'RESTART-KILN') {
  console.log(how);
  await new Promise((resolve) => process.stdin.once('data', resolve));
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(args.shots, `${name}.png`), fullPage: true });
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (dialog) => dialog.accept());
  const blocked = [];
  page.on('console', (message) => /Content Security Policy/.test(message.text()) && blocked.push(message.text()));
  const connection = page.getByTestId('connection');

  // Sign in with the link printed at first start.
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  check(!page.url().includes('token='), 'the sign-in link signs in and the token leaves the address bar');
  await connection.getByText('Live').waitFor({ timeout: 15000 });
  check(true, 'the connection indicator says Live');

  // Upload a recording, resumably, and start a transcription in one go.
  await page.getByRole('link', { name: 'New job' }).first().click();
  await page.getByTestId('file-input').setInputFiles(longSpeech(args.speech, 12));
  check(await page.getByLabel('Processor').inputValue() === 'transcribe', 'an audio file is offered the transcribe processor');
  await shot(page, 'new-job-desktop');
  await page.getByRole('button', { name: /Upload and start/ }).click();
  await page.getByRole('link', { name: 'Watch the job' }).click({ timeout: 30000 });
  const jobId = page.url().split('/').pop();
  check(/^job_/.test(jobId), `the upload started job ${jobId}`);

  // The transcript grows live; a refresh mid-job loses nothing.
  const partials = page.getByTestId('partials').locator('li');
  await partials.first().waitFor({ timeout: 60000 });
  const stage = await page.getByTestId('stage').textContent();
  check(/\S/.test(stage), `the job page shows the running stage ("${stage}")`);
  await shot(page, 'job-running-desktop');
  await page.reload();
  await partials.first().waitFor({ timeout: 30000 });
  check(true, 'after a refresh mid-job the transcript is back');
  await page.getByText('Download SRT').waitFor({ timeout: 120000 });
  const result = await (await api(`/api/v1/jobs/${jobId}/result`)).json();
  const shown = await partials.allTextContents();
  check(shown.length === result.segments.length, `every segment shown once (${shown.length} on the page, ${result.segments.length} in the result)`);
  check(shown.every((line, i) => line.endsWith(result.segments[i].text)), 'the live transcript is the final one, in order');
  await shot(page, 'job-done-desktop');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download SRT').click()]);
  const srt = fs.readFileSync(await download.path(), 'utf8');
  check(/^1\n\d\d:\d\d:\d\d,\d{3} --> /.test(srt), 'the SRT download is a subtitle file');

  // The recording plays next to its transcript; a line's time seeks to it.
  const player = page.getByTestId('player');
  await player.waitFor();
  await page.waitForFunction(() => document.querySelector('audio')?.readyState >= 1, null, { timeout: 15000 });
  await page.getByTestId('partials').locator('li').nth(1).getByRole('button').click();
  const position = await player.evaluate((audio) => audio.currentTime);
  check(Math.abs(position - result.segments[1].start) < 0.5, `clicking a line seeks the player to it (${position.toFixed(2)} s)`);

  const { input } = await (await api(`/api/v1/jobs/${jobId}`)).json();

  // Kiln is redeployed mid-job: the page says so, comes back Live, and the transcript ends up the
  // final one, nothing missing, nothing twice (the job is re-run from the start after the restart).
  const again = await (await api('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ type: 'transcribe', input, params: {} }) })).json();
  await page.goto(`${base}/jobs/${again.id}`);
  await partials.first().waitFor({ timeout: 60000 });
  const reconnecting = connection.getByText(/Reconnecting|Connection failed/).waitFor({ timeout: 60000 });
  await restartKiln();
  await reconnecting;
  check(true, 'while Kiln restarts the indicator says Reconnecting');
  await connection.getByText('Live').waitFor({ timeout: 60000 });
  check(true, 'after the restart the indicator is Live again');
  await page.getByText('Download SRT').waitFor({ timeout: 180000 });
  const rerun = await (await api(`/api/v1/jobs/${again.id}/result`)).json();
  const afterRestart = await partials.allTextContents();
  check(afterRestart.length === rerun.segments.length && afterRestart.every((line, i) => line.endsWith(rerun.segments[i].text)),
    `across the restart the transcript is the final one (${afterRestart.length} shown, ${rerun.segments.length} in the result)`);

  // Cancel really stops a running job.
  const sleeper = await (await api('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ type: 'test-sleep', input, params: { ms: 600000, steps: 600 } }) })).json();
  await page.goto(`${base}/jobs/${sleeper.id}`);
  await page.getByTestId('stage').waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('[aria-current="step"]', { hasText: 'Cancelled' }).waitFor({ timeout: 15000 });
  check((await (await api(`/api/v1/jobs/${sleeper.id}`)).json()).state === 'cancelled', 'Cancel stops a running job');

  // Deep links survive a refresh on every route.
  for (const [route, heading] of [['/', 'Jobs'], ['/jobs', 'Jobs'], ['/signin', 'Jobs'], ['/new', 'New job'], [`/jobs/${jobId}`, 'transcribe'], ['/no/such/page', 'Not found']]) {
    await page.goto(base + route);
    await page.reload();
    await page.getByRole('heading', { name: heading }).first().waitFor();
    check(true, `a refresh at ${route} shows the page`);
  }

  // An upload on a slow line survives a pause and Kiln crashing under it, and arrives intact.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const throttle = (bytesPerSecond) => cdp.send('Network.emulateNetworkConditions',
    { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  await throttle(1024 * 1024);
  const big = longSpeech(args.speech, 40);
  await page.goto(`${base}/new`);
  await page.getByTestId('file-input').setInputFiles(big);
  await page.getByRole('button', { name: /Upload and start/ }).click();
  const status = page.getByTestId('upload-status').last();
  await status.getByText(/\d+% · [\d.]+ [KM]B\/s · .+ left/).waitFor({ timeout: 30000 });
  check(true, `the upload shows %, speed and time left ("${await status.textContent()}")`);
  await page.getByRole('button', { name: 'Pause' }).click();
  await status.getByText(/Paused at/).waitFor();
  check(true, 'the upload pauses');
  await page.getByRole('button', { name: 'Resume' }).click();
  await status.getByText(/\d+% ·/).waitFor({ timeout: 30000 });
  const dropped = status.getByText(/Connection lost/).waitFor({ timeout: 60000 });
  await restartKiln('CRASH-KILN');
  await dropped;
  check(true, 'Kiln crashing mid-upload shows as a lost connection being retried');
  await throttle(-1);
  await page.getByRole('link', { name: 'Watch the job' }).last().waitFor({ timeout: 120000 });
  const bigJob = (await page.getByRole('link', { name: 'Watch the job' }).last().getAttribute('href')).split('/').pop();
  const bigFile = (await (await api(`/api/v1/jobs/${bigJob}`)).json()).input.fileId;
  const stored = await (await api(`/api/v1/files/${bigFile}`)).json();
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(big)).digest('hex');
  check(stored.sha256 === sha256, 'after the pause and the crash the stored file is exactly the original');
  await api(`/api/v1/jobs/${bigJob}/cancel`, { method: 'POST' });

  // Pages of 25, older ones on demand, all kept live; counts cover every job, not just the page.
  for (let i = 0; i < 30; i++) {
    await api('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ type: 'test-noop', input, params: {} }) });
  }
  await page.goto(`${base}/`);
  const rows = page.getByTestId('job-list').locator('li');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=job-list] li').length === 25);
  await page.getByRole('button', { name: 'Show 25 older jobs' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=job-list] li').length >= 33);
  check((await rows.count()) >= 33, `older jobs load below the first page (${await rows.count()} rows)`);
  let counts;
  do {
    await new Promise((resolve) => setTimeout(resolve, 200));
    counts = await (await api('/api/v1/jobs/counts')).json();
  } while (counts.counts.queued + counts.counts.running + counts.counts.retry_scheduled > 0);
  await page.getByLabel('Jobs per state').getByText(`succeeded ${counts.counts.succeeded}`).waitFor({ timeout: 15000 });
  check(true, `the per-state counts are the server's (${counts.counts.succeeded} succeeded)`);

  // Offline: said so, with the time of the data shown; back online: live again.
  await page.goto(`${base}/`);
  await connection.getByText('Live').waitFor({ timeout: 15000 });
  await context.setOffline(true);
  await connection.getByText(/Offline/).waitFor({ timeout: 15000 });
  check(true, 'offline emulation shows Offline');
  await context.setOffline(false);
  await connection.getByText('Live').waitFor({ timeout: 30000 });
  check(true, 'back online the indicator returns to Live');
  await shot(page, 'jobs-desktop');

  // Narrow screens.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [route, name] of [['/', 'jobs'], [`/jobs/${jobId}`, 'job-done'], ['/new', 'new-job']]) {
    await page.goto(base + route);
    await page.locator('main h1').first().waitFor();
    await shot(page, `${name}-375`);
  }
  check(true, `screenshots written to ${args.shots}`);
  check(blocked.length === 0, `the Content-Security-Policy blocked nothing the app does (${blocked.join('; ') || 'none'})`);
} catch (error) {
  console.log(String(error?.stack ?? error));
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit(); // stdin, read once for the restart, would keep Node alive
}
