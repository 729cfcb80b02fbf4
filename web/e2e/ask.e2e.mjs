// Ask in real headless Chromium against a Kiln the calling Java test started with a stand-in
// language model (it streams OpenAI's wire format; the question's words pick its reply): a
// recording is transcribed and indexed; a question's answer grows live, a reload mid-answer shows
// the same text (replayed, nothing doubled), the finished answer is exactly the model's, and its
// citation chip opens the recording at the cited moment; Stop ends a slow answer, shown as
// incomplete; an answer the model breaks off is shown as incomplete with its error code.
// Prints what it checks; exits non-zero on the first failure.
//
//   node e2e/ask.e2e.mjs --base http://localhost:8080 --token T --speech speech.wav --answer "…" --shots ../target/screenshots
import { api, args, base, check, launch, longSpeech, runJob, shot, until, upload } from './support.mjs';

/** The answer's text and its job's state, as the page shows them. */
async function shown(page) {
  return page
    .getByTestId('answer')
    .evaluate((el) => ({ text: el.textContent, state: el.dataset.state }))
    .catch(() => ({ text: '', state: undefined }));
}

/** Asks `question` from the Ask page; answers the new answer's job id. */
async function ask(page, question) {
  await page.goto(`${base}/ask`);
  const form = page.getByRole('form', { name: 'Your question' });
  await form.getByLabel('Your question').fill(question);
  await form.getByRole('button', { name: 'Ask' }).click();
  await page.waitForURL(/\/ask\/job_/);
  return new URL(page.url()).pathname.split('/').at(-1);
}

const whileWriting = (page, what) =>
  until(
    what,
    async () => {
      const now = await shown(page);
      return now.state === 'running' && now.text.length > 0 && now;
    },
    { ms: 60_000, every: 50 },
  );

const browser = await launch();
try {
  // Three times the same words: a cited moment well into the recording.
  const wav = await upload(longSpeech(args.speech, 3), 'standup.wav');
  const transcribe = await runJob('transcribe', wav.id);
  check(transcribe.state === 'succeeded', 'a recording was transcribed');
  await until(
    'the transcript is indexed',
    async () => (await (await api('/api/v1/search?q=conference')).json()).items?.length > 0,
    { ms: 30_000, every: 250 },
  );

  const page = await browser.newPage();
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Ask' }).click();
  await page.getByRole('heading', { name: 'Ask' }).waitFor();

  // The answer grows live, and a reload mid-answer replays it: the same text, nothing doubled.
  await ask(page, 'Summarize what was said about the conference room.');
  const growing = await whileWriting(page, 'part of the answer is shown while it is written');
  check(
    args.answer.startsWith(growing.text) && growing.text.length < args.answer.length,
    `the answer grows live: "${growing.text}"`,
  );
  await shot(page, 'ask-writing');
  await page.reload();
  const replayed = await whileWriting(page, 'the answer is shown again after a reload, still being written');
  check(
    args.answer.startsWith(replayed.text),
    `after a reload mid-answer the text is replayed, not doubled: "${replayed.text}"`,
  );
  await page.locator('[data-testid="answer"][data-state="succeeded"]').waitFor({ timeout: 60_000 });
  const done = await shown(page);
  check(done.text === args.answer, `the finished answer is the model's, once: "${done.text}"`);
  const status = await page.getByTestId('answer-status').textContent();
  check(status.includes('Written by stand-in-7b'), `it says who wrote it: "${status}"`);
  await shot(page, 'ask-answered');

  // A citation chip opens the recording at the cited moment: the chip in the text points where
  // its source does, and the latest cited moment opens with the player there.
  const sources = page.getByRole('list', { name: 'Sources' }).getByRole('link');
  const chip = page.getByTestId('answer').getByRole('link', { name: '[1]' });
  check(
    (await chip.getAttribute('href')) === (await sources.first().getAttribute('href')),
    'the chip [1] in the text opens source [1]',
  );
  const hrefs = await sources.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  const moments = hrefs.map((href) => new URL(href, base)).filter((u) => u.pathname === `/jobs/${transcribe.id}`);
  const latest = moments.reduce((a, b) => (Number(b.searchParams.get('t')) > Number(a.searchParams.get('t')) ? b : a));
  const t = Number(latest.searchParams.get('t'));
  check(t > 5, `${hrefs.length} sources cited, the latest at ${t}s into the recording`);
  await page.locator(`ol.sources a[href="${latest.pathname}${latest.search}"]`).first().click();
  await page.waitForURL(/\/jobs\//);
  await page.waitForFunction(
    (start) => {
      const audio = document.querySelector('[data-testid="player"]');
      return audio && audio.readyState >= 1 && Math.abs(audio.currentTime - start) < 0.05;
    },
    t,
    { timeout: 15_000 },
  );
  const line = await page.locator('li.segment.found').textContent();
  check(
    line.toLowerCase().includes('conference'),
    `the player is at ${t}s and the cited line is marked: "${line.slice(0, 80)}"`,
  );
  await shot(page, 'ask-citation-opened');

  // Stop ends a slow answer; what was written stays, marked incomplete.
  const slow = await ask(page, 'Answer slowly: where is the conference room?');
  await whileWriting(page, 'the slow answer has begun');
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.locator('[data-testid="answer"][data-state="cancelled"]').waitFor({ timeout: 30_000 });
  const stopped = await page.getByTestId('answer-status').textContent();
  check(stopped === 'Stopped: this answer is incomplete.', `Stop ends the answer: "${stopped}"`);
  const job = await (await api(`/api/v1/jobs/${slow}`)).json();
  check(job.state === 'cancelled', `the answer's job is cancelled (${job.state})`);

  // An answer the model breaks off is never shown as finished.
  await ask(page, 'Did the conference plan fall apart?');
  await page.locator('[data-testid="answer"][data-state="failed"]').waitFor({ timeout: 60_000 });
  const broken = await shown(page);
  const alert = await page.getByTestId('answer-status').textContent();
  check(
    broken.text === 'It was decided' && alert.startsWith('Incomplete answer:') && alert.includes('llm_error'),
    `a broken-off answer keeps its text and says it is incomplete: "${broken.text}" — "${alert}"`,
  );
  await shot(page, 'ask-broken-off');
} finally {
  await browser.close();
}
