// A batch in real headless Chromium against a Kiln the calling Java test started: three text files
// dropped on New job (two with the same name), uploaded and extracted as one batch by the real
// extract processor, the batch page followed to the end, and the zip of every result downloaded; then a
// failed batch whose Retry failed runs again only the job that could end otherwise (not one whose file
// was deleted).
// Prints what it checks and, last, `ZIP <path>` for the Java test to open; exits non-zero on the
// first failure.
//
//   node e2e/batches.e2e.mjs --base http://localhost:8080 --token T --shots ../target/screenshots
import path from 'node:path';
import { api, args, base, check, runSteps, shot, until } from './support.mjs';

const FILES = [
  { name: 'minutes.txt', text: 'Minutes of the first meeting: the kiln was fired.' },
  { name: 'minutes.txt', text: 'Minutes of the second meeting: the glaze held.' },
  { name: 'notes.txt', text: 'Notes: order more clay.' },
];

/** What the steps share. */
const s = {};

const steps = [
  [
    'sign in and open New job',
    async () => {
      await s.page.goto(`${base}/signin#token=${args.token}`);
      await s.page.getByRole('heading', { name: 'Jobs' }).waitFor();
      await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New job' }).click();
      await s.page.getByRole('heading', { name: 'New job' }).waitFor();
    },
  ],
  [
    'drop three files: they make one batch',
    async () => {
      const dataTransfer = await s.page.evaluateHandle((files) => {
        const dt = new DataTransfer();
        for (const f of files) dt.items.add(new File([f.text], f.name, { type: 'text/plain' }));
        return dt;
      }, FILES);
      await s.page.locator('.dropzone').dispatchEvent('drop', { dataTransfer });
      const form = s.page.getByRole('form', { name: 'A job for these files' });
      await form.getByLabel('Processor').selectOption('extract');
      const start = form.getByRole('button', { name: 'Upload and start a batch of 3' });
      check(await start.isVisible(), 'three dropped files are offered as a batch of 3');
      await start.click();
      await s.page.waitForURL(/\/batches\/batch_[a-z2-7]+$/, { timeout: 60_000 });
      check(true, `the uploads made a batch and its page opened (${new URL(s.page.url()).pathname})`);
    },
  ],
  [
    'the batch page follows the jobs to the end',
    async () => {
      await s.page.getByTestId('batch-status').filter({ hasText: 'Finished' }).waitFor({ timeout: 120_000 });
      const states = await s.page.getByTestId('batch-row-state').allTextContents();
      check(
        states.length === 3 && states.every((state) => state === 'succeeded'),
        `every file's job succeeded (${states.join(', ')})`,
      );
      const bar = s.page.getByRole('progressbar', { name: 'Batch progress' });
      check((await bar.getAttribute('aria-valuenow')) === '100', 'the aggregated progress bar is full');
      const link = s.page.getByRole('link', { name: 'notes.txt' });
      check(/^\/jobs\/job_/.test(await link.getAttribute('href')), 'each row links to its job');
      await shot(s.page, 'batch-finished');
    },
  ],
  [
    'the jobs list links to the batch',
    async () => {
      const batchPath = new URL(s.page.url()).pathname;
      await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Jobs' }).click();
      const link = s.page.getByTestId('batch-list').getByRole('link', { name: /minutes\.txt and 2 more/ });
      await link.waitFor();
      check((await link.getAttribute('href')) === batchPath, 'the jobs page lists the batch, linking to its page');
      await link.click();
      await s.page.getByTestId('batch-status').filter({ hasText: 'Finished' }).waitFor();
    },
  ],
  [
    'download all as text: one zip',
    async () => {
      const form = s.page.getByRole('form', { name: 'Download all' });
      await form.getByLabel('Format').selectOption('txt');
      const [download] = await Promise.all([
        s.page.waitForEvent('download'),
        form.getByRole('button', { name: 'Download all' }).click(),
      ]);
      check(download.suggestedFilename().endsWith('-txt.zip'), `the zip is named ${download.suggestedFilename()}`);
      s.zip = path.resolve(args.shots, 'batch.zip');
      await download.saveAs(s.zip);
    },
  ],
  [
    'Retry failed runs again only the jobs that could end otherwise',
    async () => {
      // Two jobs that fail; one's file is then deleted, so run again it would fail the same way (input_missing).
      const files = [];
      for (const name of ['kept.txt', 'deleted.txt']) {
        const stored = await api(`/api/v1/files?name=${name}`, {
          method: 'POST',
          body: `text of ${name}`,
          headers: { 'Content-Type': 'application/octet-stream' },
        });
        files.push((await stored.json()).id);
      }
      const params = { retryable: false };
      const made = await api('/api/v1/batches', {
        method: 'POST',
        body: JSON.stringify({ type: 'test-fail', params, files }),
      });
      const { id } = await made.json();
      const read = async () => (await api(`/api/v1/batches/${id}`)).json();
      await until('the batch has failed', async () => (await read()).finished);
      check(
        (await api(`/api/v1/files/${files[1]}`, { method: 'DELETE' })).status === 204,
        "a failed job's file is deleted",
      );

      await s.page.goto(`${base}/batches/${id}`);
      const note = s.page.getByTestId('batch-not-retried');
      await note.waitFor();
      check(
        (await note.textContent()).startsWith(
          '1 of the 2 failed or cancelled jobs can be retried: one would fail the same way',
        ),
        `the page says which failed jobs can be retried ("${await note.textContent()}")`,
      );
      await shot(s.page, 'batch-retry-some');
      // test-fail fails every attempt: the job retried runs, and fails, again.
      const job = async (i) => (await api(`/api/v1/jobs/${(await read()).jobs[i].id}`)).json();
      const before = [await job(0), await job(1)];
      await s.page.getByRole('button', { name: 'Retry failed (1)' }).click();
      const again = await until('the retried job has failed again', async () => {
        const kept = await job(0);
        return kept.state === 'failed' && kept.seq > before[0].seq && kept;
      });
      const gone = await job(1);
      check(
        again.seq > before[0].seq && gone.seq === before[1].seq && gone.state === 'failed',
        `only the job that could end otherwise ran again (its events ${before[0].seq} → ${again.seq}; the other's ${before[1].seq} → ${gone.seq})`,
      );
      await s.page.getByRole('button', { name: 'Retry failed (1)' }).waitFor();
      check(true, 'the page offers that one again, and only that one');
    },
  ],
];

if (await runSteps(steps, s, 'batch-failure')) console.log(`ZIP ${s.zip}`);
