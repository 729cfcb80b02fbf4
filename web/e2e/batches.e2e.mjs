// A batch in real headless Chromium against a Kiln the calling Java test started: three text files
// dropped on New job (two with the same name), uploaded and extracted as one batch by the real
// extract processor, the batch page followed to the end, and the zip of every result downloaded.
// Prints what it checks and, last, `ZIP <path>` for the Java test to open; exits non-zero on the
// first failure.
//
//   node e2e/batches.e2e.mjs --base http://localhost:8080 --token T --shots ../target/screenshots
import path from 'node:path';
import { args, base, check, runSteps, shot } from './support.mjs';

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
];

if (await runSteps(steps, s, 'batch-failure')) console.log(`ZIP ${s.zip}`);
