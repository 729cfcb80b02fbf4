// The Library page in real headless Chromium against a Kiln the calling Java test started: two files
// (a recording and a PDF) with a finished job each, listed with their length; played, searched (the
// search survives a reload), a result downloaded, a transcript line edited and found in the SRT
// download, a selection deleted and the usage figure dropping, its job showing "(deleted file)" for its name,
// a file a queued job needs refused (in a selection: by names, not ids) and then deleted with its job, a
// cancelled job whose file went offering no Retry, down to the empty library.
// Kiln must run at most one job per user at a time (kiln.limits.max-running-jobs=1). Prints what it checks; exits non-zero on the first failure.
//
//   node e2e/library.e2e.mjs --base http://localhost:8080 --token T --speech speech.wav --pdf report.pdf --shots ../target/screenshots
//
// The test is a list of named steps sharing one state, so a step can be added where it belongs.
import fs from 'node:fs';
import { api, args, base, check, runJob, runSteps, shot, submit, upload, waitForState } from './support.mjs';

/** "312 KB of 2.0 MB stored" → bytes stored, as the page shows them. */
async function storedFigure(page) {
  const text = await page.getByTestId('library-usage').textContent();
  const [, value, unit] = /^([\d.]+) (B|KB|MB|GB)/.exec(text);
  return Number(value) * 1024 ** ['B', 'KB', 'MB', 'GB'].indexOf(unit);
}

const names = () =>
  s.page.getByTestId('library-file').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')));
const row = (name) => s.page.getByRole('listitem', { name, exact: true });

/** What the steps share. */
const s = {};

const steps = [
  [
    'two files, each with a finished job',
    async () => {
      s.wav = await upload(args.speech, 'interview recording.wav');
      s.pdf = await upload(args.pdf, 'quarterly report.pdf');
      s.transcribe = await runJob('transcribe', s.wav.id);
      s.extract = await runJob('extract', s.pdf.id);
      check(
        s.transcribe.state === 'succeeded' && s.extract.state === 'succeeded',
        `a transcription and an extraction finished (${s.transcribe.state}, ${s.extract.state})`,
      );
    },
  ],
  [
    'sign in and open the Library',
    async () => {
      await s.page.goto(`${base}/signin#token=${args.token}`);
      await s.page.getByRole('heading', { name: 'Jobs' }).waitFor();
      await s.page.getByRole('link', { name: 'Library' }).click();
      await s.page.getByRole('heading', { name: 'Library' }).waitFor();
      await s.page.getByTestId('library-file').nth(1).waitFor();
      check(
        JSON.stringify(await names()) === JSON.stringify(['quarterly report.pdf', 'interview recording.wav']),
        'the Library lists both files, newest first',
      );
      const wav = await row('interview recording.wav').textContent();
      const pdf = await row('quarterly report.pdf').textContent();
      check(/\b0:\d\d\b/.test(wav), `the recording shows its duration as m:ss (${wav.slice(0, 80)}…)`);
      check(/\b2 pages\b/.test(pdf), `the document shows its pages (${pdf.slice(0, 80)}…)`);
      check(
        (await row('interview recording.wav')
          .getByRole('link', { name: 'transcribe succeeded' })
          .getAttribute('href')) === `/jobs/${s.transcribe.id}`,
        "each file shows its job's type and state, linked to the job",
      );
      await shot(s.page, 'library-desktop');
    },
  ],
  [
    'play the recording',
    async () => {
      await row('interview recording.wav').getByRole('button', { name: 'Play' }).click();
      await s.page.waitForFunction(
        () => document.querySelector('[data-testid=library-player]')?.readyState >= 1,
        null,
        { timeout: 15000 },
      );
      const length = await s.page.getByTestId('library-player').evaluate((audio) => audio.duration);
      check(
        Math.abs(length - s.transcribe.input.duration) < 0.5,
        `the recording plays inline from its content (${length.toFixed(1)} s)`,
      );
    },
  ],
  [
    "download the document's result as text",
    async () => {
      const file = row('quarterly report.pdf');
      await file.getByLabel(/Format of/).selectOption('txt');
      const [download] = await Promise.all([
        s.page.waitForEvent('download'),
        file.getByRole('button', { name: 'Download result' }).click(),
      ]);
      const text = fs.readFileSync(await download.path(), 'utf8');
      check(text.includes('Quarterly'), `the TXT result downloads (${text.length} characters)`);
    },
  ],
  [
    'search by name; a reload keeps the search',
    async () => {
      await s.page.getByLabel('Name').fill('REPORT');
      await s.page.waitForURL(/\/library\?q=REPORT$/);
      await s.page.waitForFunction(() => document.querySelectorAll('[data-testid=library-file]').length === 1);
      check(JSON.stringify(await names()) === '["quarterly report.pdf"]', 'a search by name shows the one file');
      await s.page.reload();
      await s.page.getByTestId('library-file').first().waitFor();
      check(
        (await s.page.getByLabel('Name').inputValue()) === 'REPORT' && (await names()).length === 1,
        'after a reload the search and its match are still there',
      );
      await s.page.getByLabel('Name').fill('no such file');
      await s.page.getByText(/No files match/).waitFor();
      await s.page.getByRole('button', { name: 'Clear the search' }).click();
      await s.page.getByTestId('library-file').nth(1).waitFor();
      check((await names()).length === 2, 'a search that finds nothing says so, and clearing it shows both again');
    },
  ],
  [
    'a narrow screen',
    async () => {
      await s.page.setViewportSize({ width: 375, height: 800 });
      await shot(s.page, 'library-375');
      check(
        await s.page.evaluate(() => document.documentElement.scrollWidth <= 375),
        'the Library fits 375 px without sideways scrolling',
      );
      await s.page.setViewportSize({ width: 1280, height: 900 });
    },
  ],
  [
    "edit a line of the recording's transcript; the SRT download carries it",
    async () => {
      await row('interview recording.wav').getByRole('link', { name: 'transcribe succeeded' }).click();
      const rows = s.page.getByTestId('partials').locator('li');
      await rows.first().locator('.segment-text').waitFor({ timeout: 20000 });
      const engine = (await rows.first().locator('.segment-text').textContent()).trim();
      const field = s.page.getByLabel('Text of segment 1');
      // The lines first shown may be the live partials, replaced once the stored result loads: a click
      // on a line being replaced opens no editor, so click again until one opens.
      for (let tries = 1; ; tries++) {
        await rows.first().locator('.segment-text').click();
        try {
          await field.waitFor({ timeout: 3000 });
          break;
        } catch (e) {
          if (tries === 5) throw e;
        }
      }
      await field.fill('Corrected in the Library test.');
      await field.press('Enter');
      // The line's text, not the field: a textarea's text is its value too, so the field matches while the save is in flight.
      await rows.first().locator('.segment-text').getByText('Corrected in the Library test.').waitFor();
      check(true, `the first line of the transcript is corrected in place (was "${engine.slice(0, 40)}…")`);
      const [download] = await Promise.all([s.page.waitForEvent('download'), s.page.getByText('Download SRT').click()]);
      const srt = fs.readFileSync(await download.path(), 'utf8');
      // A long line is split into cues of a few seconds each: read the cues' text as one.
      const spoken = srt
        .split(/\r?\n\r?\n/)
        .map((cue) => cue.split(/\r?\n/).slice(2).join(' '))
        .join(' ')
        .replace(/^\s*(\S+: )?/, '');
      check(
        spoken.startsWith('Corrected in the Library test.') &&
          !spoken.includes(engine.split(' ').slice(0, 3).join(' ')),
        `the SRT download carries the correction instead of the engine's line (${JSON.stringify(srt.slice(0, 120))})`,
      );
      await s.page.getByRole('link', { name: 'Library' }).click();
      await s.page.getByTestId('library-file').nth(1).waitFor();
    },
  ],
  [
    'delete a file a finished job used, by selection; the usage drops at once',
    async () => {
      const before = await storedFigure(s.page);
      const shown = await s.page.getByTestId('library-usage').textContent();
      await s.page.getByLabel('Select quarterly report.pdf').check();
      await s.page.getByRole('button', { name: 'Delete selected' }).click();
      await s.page.getByRole('button', { name: 'Delete 1 file' }).click();
      await row('quarterly report.pdf').waitFor({ state: 'detached' });
      await s.page.waitForFunction(
        (was) => document.querySelector('[data-testid=library-usage]')?.textContent !== was,
        shown,
        { timeout: 5000 },
      );
      const after = await storedFigure(s.page);
      check(after < before, `the stored figure drops (${before} → ${after} bytes, as shown)`);
      const kept = await (await api(`/api/v1/jobs/${s.extract.id}/result?format=txt`)).text();
      check(kept.includes('Quarterly'), 'the finished job keeps its result without its file');
    },
  ],
  [
    'a job whose file was deleted says so where its name was, in the list and on its page',
    async () => {
      await s.page.getByRole('link', { name: 'Jobs' }).click();
      const name = s.page.locator(`a[href="/jobs/${s.extract.id}"] .job-input`);
      await name.waitFor();
      check((await name.textContent()) === '(deleted file)', 'the jobs list shows "(deleted file)", not a blank');
      await s.page.locator(`a[href="/jobs/${s.extract.id}"]`).click();
      await s.page.getByTestId('job-file').waitFor();
      check(
        (await s.page.getByTestId('job-file').textContent()) === '(deleted file)',
        'the job page shows "(deleted file)" for its file',
      );
      await s.page.getByRole('link', { name: 'Library' }).click();
      await s.page.getByTestId('library-file').first().waitFor();
    },
  ],
  [
    'a file a queued job needs: the refusal names the job, and it goes with the file',
    async () => {
      // Kiln runs one job per user here: a long one holds the slot, so the next one waits.
      const other = await upload(args.pdf, 'sleeper.pdf');
      s.sleeper = await submit('test-sleep', other.id, { ms: 600000 });
      s.sleeperFile = other.id;
      await waitForState(s.sleeper.id, 'running');
      const waiting = await submit('test-noop', s.wav.id);
      await waitForState(waiting.id, 'queued');
      await s.page.reload();
      const file = row('interview recording.wav');
      await file.getByRole('link', { name: 'test-noop queued' }).waitFor();
      // Deleted in a selection, the refusal names the file and its job as the page does, not by their ids.
      await s.page.getByLabel('Select interview recording.wav').check();
      await s.page.getByRole('button', { name: 'Delete selected' }).click();
      await s.page.getByRole('button', { name: 'Delete 1 file' }).click();
      const bulk = s.page.locator('.library-bulk [role=alert]');
      await bulk.waitFor();
      const said = await bulk.textContent();
      check(
        said ===
          'interview recording.wav is needed by test-noop (queued): cancel it, or delete the file on its own with its jobs.' &&
          !/file_|job_|\?jobs=/.test(said),
        `a selection's refusal names the file and the job waiting for it, without ids (${said})`,
      );
      await s.page.getByLabel('Select interview recording.wav').uncheck();
      await file.getByRole('button', { name: 'Delete' }).click();
      await file.getByRole('group').getByRole('button', { name: 'Delete' }).click();
      const refusal = file.getByText(/is needed by/);
      await refusal.waitFor();
      check(
        (await refusal.getByRole('link', { name: 'test-noop (queued)' }).getAttribute('href')) ===
          `/jobs/${waiting.id}`,
        'deleting a file a queued job needs is refused, naming the job',
      );
      await file.getByRole('button', { name: 'Delete with its jobs' }).click();
      await row('interview recording.wav').waitFor({ state: 'detached' });
      check(
        (await api(`/api/v1/jobs/${waiting.id}`)).status === 404,
        '"Delete with its jobs" deletes the file and the job waiting for it',
      );
    },
  ],
  [
    'the last file goes: the empty library says what to do',
    async () => {
      await api(`/api/v1/jobs/${s.sleeper.id}/cancel`, { method: 'POST' });
      await waitForState(s.sleeper.id, 'cancelled');
      await api(`/api/v1/files/${s.sleeperFile}`, { method: 'DELETE' });
      // Kiln would take a retry of the cancelled job, which would fail at once with input_missing: not offered.
      await s.page.goto(`${base}/jobs/${s.sleeper.id}`);
      await s.page.getByTestId('no-retry').waitFor();
      check(
        (await s.page.getByTestId('no-retry').textContent()) ===
          'It cannot run again: its file was deleted. Upload the file again and start a new job.' &&
          (await s.page.getByRole('button', { name: 'Retry' }).count()) === 0,
        'a cancelled job whose file was deleted offers no Retry, and says why',
      );
      await s.page.goto(`${base}/library`);
      await s.page.getByText(/Your library is empty/).waitFor();
      check(
        (await s.page.getByRole('main').getByRole('link', { name: 'New job' }).getAttribute('href')) === '/new',
        'with no files the Library says to upload one on New job',
      );
      await shot(s.page, 'library-empty');
    },
  ],
];

await runSteps(steps, s, 'library-failure');
