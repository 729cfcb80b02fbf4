// Search in real headless Chromium against a Kiln the calling Java test started: a recording
// transcribed by Vosk and a two-page PDF extracted by Tika are indexed; a word typed in the header's
// search box lists the hit with the word marked; the hit opens the job with the player at the
// segment's start and the segment marked, and a document's hit opens at its passage and page.
// Prints what it checks; exits non-zero on the first failure.
//
//   node e2e/search.e2e.mjs --base http://localhost:8080 --token T --speech speech.wav --pdf report.pdf --shots ../target/screenshots
import { api, args, base, check, launch, longSpeech, runJob, shot, until, upload } from './support.mjs';

/** The hits for `q` once the index has at least `count` (indexing follows the job's success). */
function hits(q, count = 1) {
  return until(
    `the index has ${count} hits for ${q}`,
    async () => {
      const page = await (await api(`/api/v1/search?q=${encodeURIComponent(q)}&limit=100`)).json();
      return page.items?.length >= count && page.items;
    },
    { ms: 30_000, every: 250 },
  );
}

const browser = await launch();
try {
  // Three times the same words: the hit to open is the last one, well into the recording.
  const wav = await upload(longSpeech(args.speech, 3), 'standup meeting.wav');
  const pdf = await upload(args.pdf, 'quarterly report.pdf');
  const transcribe = await runJob('transcribe', wav.id);
  const extract = await runJob('extract', pdf.id);
  check(transcribe.state === 'succeeded' && extract.state === 'succeeded', 'a recording and a PDF were processed');
  const said = await hits('conference', 2);
  const spoken = said.reduce((a, b) => (b.anchor.startSeconds > a.anchor.startSeconds ? b : a));
  check(
    said.every((h) => h.jobId === transcribe.id) && spoken.anchor.startSeconds > 5,
    `the transcript is indexed: "conference" ${said.length} times, the last at ${spoken.anchor.startSeconds}s`,
  );
  const [written] = await hits('outlook');
  check(
    written.jobId === extract.id && written.anchor.pageFrom >= 1,
    `the PDF is indexed: "outlook" on page ${written.anchor.pageFrom}`,
  );

  const page = await browser.newPage();
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  const box = page.getByRole('searchbox', { name: 'Search your transcripts and documents' });
  await box.fill('Conference');
  await box.press('Enter');
  const results = page.getByRole('list', { name: 'Search results' });
  await results.getByRole('listitem').first().waitFor();
  check(new URL(page.url()).search === '?q=Conference', 'the header box opens the Search page');
  const target = `/jobs/${spoken.jobId}?segment=${spoken.segment}&t=${spoken.anchor.startSeconds}`;
  const hit = results.getByRole('listitem').filter({ has: page.locator(`a[href="${target}"]`) });
  const marked = await hit.locator('mark').allTextContents();
  check(marked.map((m) => m.toLowerCase()).includes('conference'), `the word is marked in the snippet (${marked})`);
  check((await hit.textContent()).includes('standup meeting.wav'), 'the hit names its file');
  await shot(page, 'search-results');

  await hit.getByRole('link').click();
  await page.waitForURL(/\/jobs\//);
  const player = page.getByTestId('player');
  await player.waitFor();
  await page.waitForFunction(
    (start) => {
      const audio = document.querySelector('[data-testid="player"]');
      return audio && audio.readyState >= 1 && Math.abs(audio.currentTime - start) < 0.05;
    },
    spoken.anchor.startSeconds,
    { timeout: 15_000 },
  );
  const at = await player.evaluate((audio) => audio.currentTime);
  check(Math.abs(at - spoken.anchor.startSeconds) < 0.05, `the player is at the segment's start (${at.toFixed(2)}s)`);
  const found = page.locator('li.segment.found');
  await found.waitFor();
  check((await found.textContent()).toLowerCase().includes('conference'), 'the segment is marked and in view');
  check(await found.isVisible(), 'the marked segment is scrolled into view');
  await shot(page, 'search-hit-transcript');

  await page.goto(`${base}/search?q=outlook`);
  const docHit = page.getByRole('list', { name: 'Search results' }).getByRole('listitem').first();
  await docHit.waitFor();
  check((await docHit.getByRole('link').textContent()).includes('p. '), 'a document hit shows its page');
  await docHit.getByRole('link').click();
  const passage = page.locator('li.segment.found');
  await passage.waitFor();
  const text = await passage.textContent();
  check(
    text.includes('Outlook') && text.includes(`p. ${written.anchor.pageFrom}`),
    `the passage on that page is marked: ${text.slice(0, 120)}`,
  );
  await shot(page, 'search-hit-document');
} finally {
  await browser.close();
}
