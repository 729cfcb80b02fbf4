// The official `openai` npm client against a real Kiln, pointed at its OpenAI-compatible API
// (docs/compat.md) as any app would be: baseURL <kiln>/v1, the Kiln token as the API key. It
// transcribes the speech fixture in every response format, with word and segment timestamps, and
// streamed; and shows that errors reach the client as its own typed errors.
// Arguments: --base, --token, --speech (the path of speech.wav). No browser.
import fs from 'node:fs';
import OpenAI from 'openai';
import { args, check, longSpeech } from './support.mjs';

// No retries: a retried transcription would be a second job, and hide what the first answer was.
const client = new OpenAI({ apiKey: args.token, baseURL: `${args.base}/v1`, maxRetries: 0 });
const file = () => fs.createReadStream(args.speech);
const SAID = ['quarterly report', 'friday', 'conference room'];

async function main() {
  const models = await client.models.list();
  const ids = models.data.map((m) => m.id);
  check(ids.includes('whisper-1') && ids.includes('en-us'), `the models are Kiln's engines and whisper-1 (${ids})`);

  const json = await client.audio.transcriptions.create({ file: file(), model: 'whisper-1' });
  check(
    SAID.every((words) => json.text.includes(words)),
    `json: the transcript says what the fixture does ("${json.text}")`,
  );

  const text = await client.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'text' });
  check(typeof text === 'string' && text.trim() === json.text, 'text: the same transcript as a string');

  const srt = await client.audio.transcriptions.create({ file: file(), model: 'whisper-1', response_format: 'srt' });
  check(/^1\n00:00:0\d,\d{3} --> 00:00:\d\d,\d{3}\n/.test(srt), 'srt: numbered SubRip cues');

  const vtt = await client.audio.transcriptions.create({ file: file(), model: 'en-us', response_format: 'vtt' });
  check(/^WEBVTT\n\n00:00:0\d\.\d{3} --> /.test(vtt), 'vtt: WebVTT cues, the engine named by its own name');

  const verbose = await client.audio.transcriptions.create({
    file: file(),
    model: 'whisper-1',
    language: 'en',
    response_format: 'verbose_json',
    timestamp_granularities: ['word', 'segment'],
    temperature: 0,
    prompt: 'A meeting note.',
  });
  check(
    verbose.task === 'transcribe' && verbose.language === 'english' && verbose.duration > 5,
    `verbose_json: task, language and duration (${verbose.language}, ${verbose.duration}s)`,
  );
  const segment = verbose.segments[0];
  check(
    [
      'id',
      'seek',
      'start',
      'end',
      'text',
      'tokens',
      'temperature',
      'avg_logprob',
      'compression_ratio',
      'no_speech_prob',
    ].every((k) => k in segment),
    `verbose_json: segments carry every field of OpenAI's (${Object.keys(segment)})`,
  );
  check(
    verbose.words.length > 10 && verbose.words.every((w) => w.end > w.start && w.word),
    `verbose_json: ${verbose.words.length} words, each with its start and end`,
  );
  check(verbose.words.map((w) => w.word).join(' ') === json.text, 'verbose_json: the words are the transcript');

  const onlyWords = await client.audio.transcriptions.create({
    file: file(),
    model: 'whisper-1',
    response_format: 'verbose_json',
    timestamp_granularities: ['word'],
  });
  check(onlyWords.words.length === verbose.words.length && !onlyWords.segments, 'word granularity alone: words only');

  // Streaming: a fresh member of Kiln's, so the job really runs and its utterances arrive as it does;
  // the recording said twice with a pause between, so that there are several.
  const member = await fetch(`${args.base}/api/v1/admin/users`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${args.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: `openai-stream-${Date.now()}` }),
  }).then((r) => r.json());
  const streaming = new OpenAI({ apiKey: member.token, baseURL: `${args.base}/v1`, maxRetries: 0 });
  const twice = fs.createReadStream(longSpeech(args.speech, 2, 1.5));
  const stream = await streaming.audio.transcriptions.create({ file: twice, model: 'whisper-1', stream: true });
  const deltas = [];
  const arrived = [];
  let done;
  for await (const event of stream) {
    if (event.type === 'transcript.text.delta') {
      deltas.push(event.delta);
      arrived.push(Date.now());
    }
    if (event.type === 'transcript.text.done') done = { ...event, at: Date.now() };
  }
  check(deltas.length >= 2 && done, `stream: ${deltas.length} transcript.text.delta events, then transcript.text.done`);
  check(done.at - arrived[0] >= 100, `stream: the first delta came ${done.at - arrived[0]} ms before the end, live`);
  check(
    deltas.join('') === done.text && SAID.every((words) => done.text.includes(words)),
    `stream: the deltas add up to the whole text (${JSON.stringify(deltas)} → "${done.text}")`,
  );

  await expectError(
    () => client.audio.transcriptions.create({ file: file(), model: 'gpt-9' }),
    OpenAI.NotFoundError,
    'model_not_found',
  );
  await expectError(
    () => new OpenAI({ apiKey: 'kiln_forged', baseURL: `${args.base}/v1`, maxRetries: 0 }).models.list(),
    OpenAI.AuthenticationError,
    'invalid_api_key',
  );
  await expectError(
    () => client.audio.translations.create({ file: file(), model: 'whisper-1' }),
    OpenAI.BadRequestError,
    'translation_not_supported',
  );
  console.log('PASS');
}

async function expectError(call, type, code) {
  try {
    await call();
  } catch (e) {
    check(e instanceof type && e.code === code, `${type.name} ${e.status} with code ${code}: ${e.message}`);
    return;
  }
  throw new Error(`FAILED: expected ${type.name} (${code})`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
