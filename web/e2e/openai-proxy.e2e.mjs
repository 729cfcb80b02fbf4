// The official `openai` npm client through nginx (deploy/nginx/kiln.conf in front of Kiln, run by
// BehindNginxTest with a read timeout of a few seconds): the models, then a transcription and a
// streamed one whose jobs wait longer than that timeout before they run. The plain answer arrives
// only when the job is done, so it needs the site's own timeout for the drop-in paths; the stream
// lives on Kiln's keep-alives. No browser.
// Arguments: --base (nginx's https address), --token (a member's), --speech, --proxy-timeout (ms).
// The test's certificate is trusted through NODE_EXTRA_CA_CERTS. Before each transcription the
// script prints HOLD and waits until the test holds the member's queue, then prints ASKED: the
// test lets the job wait past the proxy's timeout, then lets it go.
import fs from 'node:fs';
import readline from 'node:readline';
import OpenAI from 'openai';
import { args, check, longSpeech } from './support.mjs';

const stdin = readline.createInterface({ input: process.stdin });
const answers = stdin[Symbol.asyncIterator]();
const client = new OpenAI({ apiKey: args.token, baseURL: `${args.base}/v1`, maxRetries: 0, timeout: 180_000 });
const SAID = ['quarterly report', 'friday', 'conference room'];
const timeout = Number(args['proxy-timeout']);

/** The answer of `ask()`, asked while the test holds the queue, and how long it took. */
async function held(ask) {
  console.log('HOLD');
  await answers.next();
  const started = Date.now();
  const answer = ask();
  console.log('ASKED');
  const result = await answer;
  return { result, waited: Date.now() - started };
}

async function main() {
  const models = await client.models.list();
  check(
    models.data.some((m) => m.id === 'whisper-1'),
    `through the proxy: the models (${models.data.map((m) => m.id)})`,
  );

  const plain = await held(() =>
    client.audio.transcriptions.create({ file: fs.createReadStream(args.speech), model: 'whisper-1' }),
  );
  check(
    plain.waited > timeout && SAID.every((words) => plain.result.text.includes(words)),
    `json: the whole transcript after ${plain.waited} ms, longer than the proxy's ${timeout} ms ("${plain.result.text}")`,
  );

  const streamed = await held(async () => {
    // Another recording (the same said twice), so that its job runs rather than reusing the first's.
    const stream = await client.audio.transcriptions.create({
      file: fs.createReadStream(longSpeech(args.speech, 2, 1.5)),
      model: 'whisper-1',
      stream: true,
    });
    const deltas = [];
    let done;
    for await (const event of stream) {
      if (event.type === 'transcript.text.delta') deltas.push(event.delta);
      if (event.type === 'transcript.text.done') done = event;
    }
    return { deltas, done };
  });
  const { deltas, done } = streamed.result;
  check(
    streamed.waited > timeout && done && deltas.join('') === done.text && SAID.every((w) => done.text.includes(w)),
    `stream: ${deltas.length} deltas then the same text, after ${streamed.waited} ms`,
  );
  console.log('PASS');
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => stdin.close());
