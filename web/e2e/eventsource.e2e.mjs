// Standard EventSource clients follow one job's SSE stream through a Kiln crash (kill -9) and
// restart: npm `eventsource` in Node (with the API token) and Chromium's own EventSource (with the
// session cookie). Each must see every event, ids 1..seq without a gap, the attempt failure
// (`lease_expired`) included, then stop at the 204 that ends a finished job's stream.
// Arguments: --base, --token, --job (a test-slow-first job the calling test submitted).
// It prints KILL-KILN once both follow the running attempt and waits for the test's answer.
import readline from 'node:readline';
import { EventSource } from 'eventsource';
import { api, args, base, check, launch, until } from './support.mjs';

/** The `event:` names of docs/protocol.md: none is EventSource's own open, error or message. */
const NAMES = ['state', 'progress', 'partial', 'result', 'attempt_failed'];
const url = `${base}/api/v1/jobs/${args.job}/events`;
const stdin = readline.createInterface({ input: process.stdin });
const answers = stdin[Symbol.asyncIterator]();

/** Follows the stream the way any EventSource client does: one listener per documented name. */
function follow(EventSourceClass, source) {
  const record = { events: [], unnamed: 0, errors: 0 };
  const es = new EventSourceClass(source.url, source.init);
  for (const name of NAMES) {
    es.addEventListener(name, (event) =>
      record.events.push({ name, id: event.lastEventId, data: JSON.parse(event.data) }),
    );
  }
  es.onmessage = () => record.unnamed++;
  es.onerror = () => record.errors++;
  return { record, es };
}

const running = (record) => record.events.some((e) => e.name === 'state' && e.data.data.state === 'running');

function verify(who, record, seq) {
  const ids = record.events.map((e) => Number(e.id));
  const expected = Array.from({ length: seq }, (_, i) => i + 1);
  check(
    JSON.stringify(ids) === JSON.stringify(expected),
    `${who} received every event once, ids 1..${seq} (got ${ids.join(',')})`,
  );
  check(
    record.events.every((e) => Number(e.id) === e.data.seq),
    `${who}: each event's id is its seq`,
  );
  const failure = record.events.filter((e) => e.data.kind === 'error');
  check(
    failure.length === 1 && failure[0].name === 'attempt_failed' && failure[0].data.data.code === 'lease_expired',
    `${who} saw the attempt failure as attempt_failed, kind error, code lease_expired (${JSON.stringify(failure)})`,
  );
  check(record.unnamed === 0, `${who}: nothing arrived unnamed on onmessage`);
  // At least the crash and the final 204 (each end of a stream is an `error` to EventSource).
  check(record.errors >= 2, `${who} lived through the dropped connection (onerror ${record.errors}×)`);
}

const browser = await launch();
let node;
try {
  const page = await browser.newPage();
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  // The browser's own EventSource, authenticated by the session cookie alone.
  await page.evaluate(
    ({ url, names }) => {
      const record = { events: [], unnamed: 0, errors: 0 };
      const es = new EventSource(url);
      for (const name of names) {
        es.addEventListener(name, (event) =>
          record.events.push({ name, id: event.lastEventId, data: JSON.parse(event.data) }),
        );
      }
      es.onmessage = () => record.unnamed++;
      es.onerror = () => record.errors++;
      window.followed = { record, es };
    },
    { url, names: NAMES },
  );
  const inBrowser = () =>
    page.evaluate(() => ({ ...window.followed.record, readyState: window.followed.es.readyState }));

  node = follow(EventSource, {
    url,
    init: {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...init.headers, Authorization: `Bearer ${args.token}` } }),
    },
  });

  await until(
    'both clients follow the running attempt',
    async () => running(node.record) && running(await inBrowser()),
  );
  console.log('KILL-KILN');
  const answer = await answers.next();
  check(answer.value === 'restarted', 'Kiln was killed (SIGKILL) and started again on the same port');

  // A finished job's stream ends; the client comes back with its Last-Event-ID, is told 204, and stops.
  await until(
    'both clients stopped at the end of the job',
    async () => node.es.readyState === EventSource.CLOSED && (await inBrowser()).readyState === 2,
  );
  const job = await (await api(`/api/v1/jobs/${args.job}`)).json();
  check(
    job.state === 'succeeded' && job.attempt === 2,
    `the job was rescued and succeeded on attempt 2 (${job.state}, ${job.attempt})`,
  );
  verify('npm eventsource', node.record, job.seq);
  verify("Chromium's EventSource", await inBrowser(), job.seq);
} finally {
  node?.es.close();
  stdin.close();
  await browser.close();
}
