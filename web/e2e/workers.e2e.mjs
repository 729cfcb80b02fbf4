// External workers in the web app, in real headless Chromium against a Kiln the calling Java test
// started. This script plays the worker itself, over HTTP (docs/workers.md): it declares a
// processor that takes no file, and the page submits a job of it, waits for a worker, and shows
// the worker's partial results as they come, and the result file it uploaded, downloaded from its link. Then it declares a processor whose results are
// transcripts, and the page uploads a recording for it, shows the transcript's two speakers live,
// renames one (the name sticks after a reload) and downloads captions that carry the name. Prints
// what it checks; exits non-zero on the first failure.
//
//   node e2e/workers.e2e.mjs --base http://localhost:8080 --token ADMIN_TOKEN --speech speech.wav --shots ../target/screenshots
import fs from 'node:fs';
import { api, args, base, check, launch, shot } from './support.mjs';

/** A worker identity, made by the admin; `call` speaks the worker protocol with its token. */
async function newWorker(name) {
  const made = await api('/api/v1/admin/users', { method: 'POST', body: JSON.stringify({ name, role: 'worker' }) });
  check(made.status === 201, `the admin creates worker user ${name} (${made.status})`);
  const { token } = await made.json();
  const call = async (path, body, method = 'POST') => {
    const response = await api(`/api/v1/worker${path}`, { method, body: JSON.stringify(body) }, token);
    const text = await response.text();
    if (!response.ok) throw new Error(`worker ${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : null;
  };
  /** Uploads a result file: the body is the file, the lease in a header. */
  call.upload = async (path, content, headers) => {
    const response = await api(`/api/v1/worker${path}`, { method: 'PUT', body: content, headers }, token);
    if (!response.ok) throw new Error(`worker PUT ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  return call;
}

const browser = await launch();
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  await page.getByTestId('connection').getByText('Live').waitFor({ timeout: 15000 });

  // A worker declares a processor that takes no file, with a params schema; none has claimed yet.
  const worker = await newWorker('e2e-gpu');
  await worker(
    '/processors/lineup-search',
    {
      description: 'Searches for the best lineup',
      accepts: ['none'],
      params: {
        type: 'object',
        required: ['size'],
        properties: {
          size: { type: 'integer', minimum: 4, maximum: 19, default: 9, description: 'Board size' },
          mode: { enum: ['fast', 'thorough'], default: 'fast' },
          seeds: { type: 'array', items: { type: 'integer' } },
        },
        additionalProperties: false,
      },
    },
    'PUT',
  );

  // New job offers it with only its params: no file, no upload.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New job' }).click();
  const form = page.getByRole('form', { name: 'A job without a file' });
  await form.getByRole('option', { name: 'lineup-search (0 workers)' }).waitFor({ state: 'attached', timeout: 20000 });
  await form.getByLabel('Processor').selectOption('lineup-search');
  const note = await form.getByTestId('workers').textContent();
  check(
    /none connected now \(no worker has connected yet\)/.test(note),
    `New job says no worker serves it ("${note}")`,
  );
  const size = form.getByLabel('size');
  check(
    (await size.inputValue()) === '9' &&
      (await size.getAttribute('min')) === '4' &&
      (await size.getAttribute('max')) === '19' &&
      (await form.getByLabel('mode').locator('option:checked').textContent()) === 'fast',
    'its params form has the schema fields, limits and defaults',
  );
  check((await form.getByTestId('file-input').count()) === 0, 'the form asks for no file');
  await size.fill('11');
  await form.getByLabel('seeds').fill('["x"]');
  await form.getByRole('button', { name: 'Start job' }).click();
  const seedsError = await form.getByTestId('error-seeds').textContent({ timeout: 10000 });
  check(/integer expected/.test(seedsError), `the server's invalid_params shows next to the field ("${seedsError}")`);
  await shot(page, 'new-job-no-file-desktop');
  await form.getByLabel('seeds').fill('[3, 5]');
  await form.getByRole('button', { name: 'Start job' }).click();
  await page.waitForURL(/\/jobs\/job_/);
  const jobId = page.url().split('/').pop();
  const submitted = await (await api(`/api/v1/jobs/${jobId}`)).json();
  check(
    submitted.input === undefined && JSON.stringify(submitted.params) === '{"size":11,"mode":"fast","seeds":[3,5]}',
    `the page submitted ${jobId} without an input, with the params typed (${JSON.stringify(submitted.params)})`,
  );
  const waiting = await page.getByTestId('queue').textContent();
  check(
    /Waiting for a worker: none serves lineup-search now \(no worker has connected yet\)/.test(waiting),
    `the queued job says it waits for a worker ("${waiting}")`,
  );
  await shot(page, 'job-waiting-for-worker-desktop');

  // The worker claims it, reports progress and partial results: they show live, without a reload.
  const { jobs } = await worker('/claim', {
    worker: 'e2e-gpu/1',
    processors: ['lineup-search'],
    max: 1,
    waitSeconds: 5,
  });
  check(jobs.length === 1 && jobs[0].id === jobId && jobs[0].input === null, 'the worker claims it, with no input');
  const lease = jobs[0].lease;
  await worker(`/jobs/${jobId}/progress`, { lease, progress: 0.25, stage: 'searching' });
  await page.getByTestId('stage').getByText('searching').waitFor({ timeout: 15000 });
  check(true, 'the running stage the worker reports shows');
  await worker(`/jobs/${jobId}/partials`, { lease, items: [{ round: 1, best: 10 }] });
  const latest = page.getByTestId('latest-partial');
  await latest.getByText('Latest (#1)').waitFor({ timeout: 15000 });
  await worker(`/jobs/${jobId}/partials`, {
    lease,
    items: [
      { round: 2, best: 14 },
      { round: 3, best: 17, lineup: [3, 1, 2] },
    ],
  });
  await latest.getByText('Latest (#3)').waitFor({ timeout: 15000 });
  check(
    (await latest.textContent()).includes('17') && (await latest.textContent()).includes('[3,1,2]'),
    'the latest partial result shows in full, live',
  );
  await page.getByText('2 earlier results').click();
  const earlier = await page.getByTestId('earlier-partials').locator('li').allTextContents();
  check(
    earlier.length === 2 && earlier[0] === '{"round":2,"best":14}' && earlier[1] === '{"round":1,"best":10}',
    `the earlier ones unfold, newest first (${earlier.join(' ')})`,
  );
  await shot(page, 'job-partials-desktop');
  const csv = 'seat,player\n1,3\n2,1\n3,2\n';
  await worker.upload(`/jobs/${jobId}/files/lineup.csv`, csv, { 'Kiln-Lease': lease, 'Content-Type': 'text/csv' });
  await worker(`/jobs/${jobId}/complete`, { lease, result: { best: 17, lineup: [3, 1, 2] } });
  await page.locator('[aria-current="step"]', { hasText: 'Done' }).waitFor({ timeout: 15000 });
  await page.getByRole('button', { name: 'Download JSON' }).waitFor();
  check(true, 'the completed job shows Done with its JSON download');
  const files = page.getByRole('region', { name: 'Files' });
  const link = files.getByRole('link', { name: 'lineup.csv' });
  await link.waitFor({ timeout: 15000 });
  check(
    (await files.textContent()).includes('text/csv'),
    'the result file the worker uploaded is listed with its type',
  );
  const [saved] = await Promise.all([page.waitForEvent('download'), link.click()]);
  check(fs.readFileSync(await saved.path(), 'utf8') === csv, 'its link downloads its bytes');
  await page.reload();
  await latest.getByText('Latest (#3)').waitFor({ timeout: 15000 });
  check(true, 'after a reload the partial results are back');

  // New job now counts the worker that claimed.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New job' }).click();
  await form.getByRole('option', { name: 'lineup-search (1 worker)' }).waitFor({ state: 'attached', timeout: 20000 });
  check(
    (await form.getByTestId('workers').textContent()) === 'Served by external workers: 1 connected now.',
    'New job counts the worker now connected',
  );

  // A worker processor shaped as a transcript: the page treats it like the built-in transcriber.
  await worker('/processors/diarize', { description: 'Who said what', accepts: ['*/*'], shape: 'transcript' }, 'PUT');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New job' }).click();
  await page.getByTestId('file-input').setInputFiles(args.speech);
  const processorChoice = page.getByRole('form', { name: 'A job for these files' }).getByLabel('Processor');
  await processorChoice.locator('option', { hasText: 'diarize' }).waitFor({ state: 'attached', timeout: 20000 });
  await processorChoice.selectOption('diarize');
  await page.getByRole('button', { name: /Upload and start/ }).click();
  await page.getByRole('link', { name: 'Watch the job' }).click({ timeout: 30000 });
  const talkId = page.url().split('/').pop();
  const claimed = await worker('/claim', { worker: 'e2e-gpu/1', processors: ['diarize'], max: 1, waitSeconds: 10 });
  const talk = claimed.jobs[0];
  check(
    talk?.id === talkId && talk.input.size === fs.statSync(args.speech).size,
    `the worker claims ${talkId} with the uploaded recording as its input`,
  );
  const segments = [
    { text: 'good morning everyone', start: 0.2, end: 1.1, speaker: 'SPEAKER_00' },
    { text: 'thanks for having me', start: 1.3, end: 2.2, speaker: 'SPEAKER_01' },
    { text: 'let us begin', start: 2.4, end: 3.0, speaker: 'SPEAKER_00' },
  ];
  await worker(`/jobs/${talkId}/partials`, { lease: talk.lease, items: segments.slice(0, 2) });
  const lines = page.getByTestId('partials').locator('li');
  await lines.nth(1).waitFor({ timeout: 15000 });
  const live = await lines.allTextContents();
  check(
    live[0].endsWith('SPEAKER_00: good morning everyone') && live[1].endsWith('SPEAKER_01: thanks for having me'),
    `the transcript grows live with each line's speaker (${live.join(' | ')})`,
  );
  await worker(`/jobs/${talkId}/partials`, { lease: talk.lease, items: segments.slice(2) });
  await worker(`/jobs/${talkId}/complete`, {
    lease: talk.lease,
    result: { language: 'en', text: segments.map((s) => s.text).join(' '), segments },
  });
  await page.getByRole('button', { name: 'Download VTT' }).waitFor({ timeout: 15000 });

  // The owner names SPEAKER_00: every line of that speaker changes, and the name stays after a reload.
  await page.getByRole('button', { name: 'Rename SPEAKER_00' }).first().click();
  await page.getByLabel('Name for SPEAKER_00').fill('Ana');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Rename Ana' }).nth(1).waitFor();
  await shot(page, 'job-speakers-desktop');
  await page.reload();
  await page.getByRole('button', { name: 'Rename Ana' }).nth(1).waitFor({ timeout: 15000 });
  const named = await lines.allTextContents();
  check(
    named.length === 3 &&
      named[0].endsWith('Ana: good morning everyone') &&
      named[1].endsWith('SPEAKER_01: thanks for having me') &&
      named[2].endsWith('Ana: let us begin'),
    `the rename sticks after a reload (${named.join(' | ')})`,
  );
  const [vtt] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download VTT' }).click(),
  ]);
  const captions = fs.readFileSync(await vtt.path(), 'utf8');
  check(
    captions.startsWith('WEBVTT') && captions.includes('<v Ana>') && captions.includes('<v SPEAKER_01>'),
    'the VTT download carries the name',
  );

  // The recording plays beside it: a line's time seeks to it.
  const player = page.getByTestId('player');
  await page.waitForFunction(() => document.querySelector('audio')?.readyState >= 1, null, { timeout: 15000 });
  await lines
    .nth(1)
    .getByRole('button', { name: /^Play from/ })
    .click();
  const position = await player.evaluate((audio) => audio.currentTime);
  check(
    Math.abs(position - segments[1].start) < 0.3,
    `clicking a line seeks the player to it (${position.toFixed(2)} s)`,
  );

  // Narrow screens: the params form, the partials and the named transcript fit 375 px.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [route, name] of [
    ['/new', 'new-job-no-file'],
    [`/jobs/${jobId}`, 'job-partials'],
    [`/jobs/${talkId}`, 'job-speakers'],
  ]) {
    await page.goto(base + route);
    await page.locator('main h1').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    await shot(page, `${name}-375`);
    check(
      await page.evaluate(() => document.documentElement.scrollWidth <= 375),
      `${route} fits 375 px without sideways scrolling`,
    );
  }
  // A name without spaces wraps within its line instead of running out of it.
  const longName = 'MaximilianaWilhelminaJosephineVonHohenzollernSigmaringen';
  await page.getByRole('button', { name: 'Rename SPEAKER_01' }).click();
  await page.getByLabel('Name for SPEAKER_01').fill(longName);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: `Rename ${longName}` }).waitFor();
  await shot(page, 'job-long-speaker-375');
  check(
    await page.evaluate(() =>
      [...document.querySelectorAll('li.segment')].every((li) => li.scrollWidth <= li.clientWidth),
    ),
    'a long speaker name wraps within its line at 375 px',
  );
  await page.goto(`${base}/new`);
  await page.getByTestId('file-input').setInputFiles({
    name: `${'minutes'.repeat(30)}.txt`,
    mimeType: 'text/plain',
    buffer: Buffer.from('a file with a long name\n'),
  });
  await page.getByText(/^minutesminutes/).waitFor();
  await shot(page, 'new-job-long-name-375');
  check(
    await page.evaluate(() => document.documentElement.scrollWidth <= 375),
    'a long file name chosen on New job wraps within 375 px',
  );
} catch (error) {
  console.log(String(error?.stack ?? error));
  process.exitCode = 1;
} finally {
  await browser.close();
}
