// Correcting a transcript in the web app, in real headless Chromium against a Kiln the calling Java
// test started (with the test processors): a line is edited with the keyboard, undone with Ctrl+Z, two
// more edits undone by Ctrl+Z pressed twice at once, the line edited again, kept across a reload and in
// the SRT download, and the original restored from the line's history. Then a transcript of 10,000 lines:
// only a screenful of rows exists in the page, and scrolling (and End) reaches the last line.
// Prints what it checks and the figures it measured; exits non-zero on the first failure.
//
//   node e2e/edits.e2e.mjs --base http://localhost:8080 --token ADMIN_TOKEN --shots ../target/screenshots
import fs from 'node:fs';
import { api, args, base, check, launch, runJob, shot } from './support.mjs';

/** A finished test-transcript job of `segments` lines. */
async function transcript(segments) {
  const file = await fetch(`${base}/api/v1/files?name=audio.txt`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${args.token}`, 'Content-Type': 'application/octet-stream' },
    body: 'pretend audio',
  }).then((r) => r.json());
  const job = await runJob('test-transcript', file.id, { segments });
  if (job.state !== 'succeeded') throw new Error(`job ${job.id} ${job.state}`);
  return job.id;
}

const browser = await launch();
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();

  // A short transcript: correct its second line with the keyboard.
  const jobId = await transcript(5);
  await page.goto(`${base}/jobs/${jobId}`);
  const rows = page.getByTestId('partials').locator('li');
  await rows.nth(1).getByText('Line 1 of the transcript.').waitFor({ timeout: 20000 });
  await rows.nth(0).locator('.segment-text').click();
  await page.getByLabel('Text of segment 1').press('Escape');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  const field = page.getByLabel('Text of segment 2');
  await field.fill('Corrected in Chromium.');
  await field.press('Enter');
  // The line's text, not the field: a textarea's text is its value too, so the field matches while the save is in flight.
  await rows.nth(1).locator('.segment-text').getByText('Corrected in Chromium.').waitFor();
  check(true, 'a line is corrected with the keyboard (Escape, ArrowDown, Enter, type, Enter)');
  await shot(page, 'transcript-edited-desktop');

  await page.keyboard.press('Control+z');
  await rows.nth(1).getByText('Line 1 of the transcript.').waitFor();
  const restored = await (await api(`/api/v1/jobs/${jobId}/result`)).json();
  check(
    restored.segments[1].text === 'Line 1 of the transcript.' && restored.segments[1].version === 2,
    "Ctrl+Z undoes it: the engine's line is back, as a new revision",
  );
  // Two more lines corrected, then Ctrl+Z twice at once: the second press waits for the first undo to land,
  // then undoes the edit before it (never two writes at once, never the same edit twice).
  for (const [row, text] of [
    [0, 'First corrected.'],
    [2, 'Third corrected.'],
  ]) {
    await rows.nth(row).locator('.segment-text').click();
    await page.getByLabel(`Text of segment ${row + 1}`).fill(text);
    await page.getByLabel(`Text of segment ${row + 1}`).press('Enter');
    await rows.nth(row).locator('.segment-text').getByText(text).waitFor();
  }
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await rows.nth(0).getByText('Line 0 of the transcript.').waitFor();
  await rows.nth(2).getByText('Line 2 of the transcript.').waitFor();
  await page.getByRole('button', { name: 'Undo', exact: true, disabled: true }).waitFor();
  const twice = await (await api(`/api/v1/jobs/${jobId}/result`)).json();
  check(
    twice.segments[0].text === 'Line 0 of the transcript.' && twice.segments[2].text === 'Line 2 of the transcript.',
    'Ctrl+Z pressed twice at once undoes the last two edits, one after the other (nothing left to undo)',
  );
  await rows.nth(1).locator('.segment-text').click();
  await page.getByLabel('Text of segment 2').fill('Corrected in Chromium.');
  await page.getByLabel('Text of segment 2').press('Control+Enter');
  await rows.nth(1).locator('.segment-text').getByText('Corrected in Chromium.').waitFor();

  await page.reload();
  await rows.nth(1).getByText('Corrected in Chromium.').waitFor({ timeout: 20000 });
  check(true, 'after a reload the correction is still there');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download SRT').click()]);
  const srt = fs.readFileSync(await download.path(), 'utf8');
  check(srt.includes('SPEAKER_01: Corrected in Chromium.'), 'the SRT download carries the correction');

  // The line's history: every revision, and the engine's brought back from it.
  await rows.nth(1).locator('.segment-text').click();
  await page.getByRole('button', { name: 'History of segment 2' }).click();
  const history = page.getByRole('region', { name: 'Revisions of segment 2' });
  await history.locator('li').nth(3).waitFor();
  const listed = await history.locator('li').evaluateAll((items) => items.map((li) => li.dataset.version));
  check(listed.join(',') === '3,2,1,0', `the history lists every revision, newest first (${listed.join(', ')})`);
  await shot(page, 'transcript-history-desktop');
  await page.getByRole('button', { name: 'Restore version 0 of segment 2' }).click();
  await history.waitFor({ state: 'detached' });
  await rows.nth(1).locator('.segment-text').getByText('Line 1 of the transcript.').waitFor();
  const back = await (await api(`/api/v1/jobs/${jobId}/result`)).json();
  check(
    back.segments[1].text === 'Line 1 of the transcript.' && back.segments[1].version === 4,
    "restoring the original from the history is a new revision (4) with the engine's line",
  );

  // 10,000 lines: a screenful of rows in the page, and the last line reachable.
  const bigId = await transcript(10000);
  const started = Date.now();
  await page.goto(`${base}/jobs/${bigId}`);
  await rows.first().getByText('Line 0 of the transcript.').waitFor({ timeout: 30000 });
  const firstRows = Date.now() - started;
  const rendered = await rows.count();
  check(rendered > 5 && rendered < 80, `of 10,000 lines only ${rendered} rows exist in the page`);
  const scroller = page.getByTestId('segments');
  const scrolled = await scroller.evaluate(async (element) => {
    const frames = [];
    let last = performance.now();
    for (let i = 1; i <= 30; i++) {
      element.scrollTop = (element.scrollHeight * i) / 30;
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    // Rows measured on the way change the total height: keep going to the bottom until it holds.
    for (let i = 0; i < 20 && element.scrollTop + element.clientHeight < element.scrollHeight - 1; i++) {
      element.scrollTop = element.scrollHeight;
      await new Promise((resolve) => requestAnimationFrame(resolve));
    }
    frames.sort((a, b) => a - b);
    return { median: frames[15], worst: frames[frames.length - 1] };
  });
  await page.getByText('Line 9999 of the transcript.').waitFor({ timeout: 10000 });
  check(
    (await rows.count()) < 80,
    `scrolled to the end, the last line shows, still ${await rows.count()} rows (frames while jumping: median ${scrolled.median.toFixed(1)} ms, worst ${scrolled.worst.toFixed(1)} ms)`,
  );
  await scroller.evaluate((element) => (element.scrollTop = 0));
  await rows.first().getByText('Line 0 of the transcript.').waitFor();
  await rows.first().focus();
  await page.keyboard.press('End');
  await page.locator('li[data-row="9999"]:focus').waitFor({ timeout: 10000 });
  check(true, 'End moves the focus to the last of the 10,000 lines');
  await page.keyboard.press('Enter');
  await page.getByLabel('Text of segment 10000').fill('The very last line, corrected.');
  await page.getByLabel('Text of segment 10000').press('Enter');
  await page.locator('.segment-text').getByText('The very last line, corrected.').waitFor();
  check(true, 'the last line is corrected in place');
  console.log(`figures: first rows of 10,000 lines shown ${firstRows} ms after navigation`);
  await shot(page, 'transcript-10000-lines-desktop');
} finally {
  await browser.close();
}
