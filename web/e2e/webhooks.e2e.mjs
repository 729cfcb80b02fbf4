// The Account page's webhooks in real headless Chromium against a Kiln the calling Java test started
// (with loopback allowlisted): a receiver in this script is added as a
// webhook, its signing secret shown once; a job ends and the receiver answers the first delivery
// 500, then takes the retry, whose signature the `standardwebhooks` reference library verifies with
// that secret; the delivery log shows the failed answer, then the delivery; Redeliver sends the
// same message (same webhook-id) again; Delete removes the webhook.
//
//   node e2e/webhooks.e2e.mjs --base http://localhost:8080 --token T --shots ../target/screenshots
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { api, args, base, check, launch, runJob, shot, until, upload } from './support.mjs';

/** What the receiver got, and how it answers: the scripted statuses first, then 200. */
const received = [];
const answers = [500];
const receiver = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
    response.writeHead(answers.shift() ?? 200).end();
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const address = `http://127.0.0.1:${receiver.address().port}/kiln-hook`;

const browser = await launch();
try {
  const page = await browser.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await page.getByRole('heading', { name: 'Webhooks' }).waitFor();
  const form = page.getByRole('form', { name: 'Add a webhook' });
  await form.getByLabel('Address').fill(address);
  await form.getByRole('button', { name: 'Add webhook' }).click();
  const secret = await page.getByLabel('The new signing secret').inputValue();
  check(secret.startsWith('whsec_'), 'the signing secret is shown once, in the Standard Webhooks form');
  const webhooks = page.getByTestId('webhooks');
  await webhooks.getByText(address).waitFor();
  check(true, 'the webhook is listed with its address');

  const noted = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-')), 'note.txt');
  fs.writeFileSync(noted, 'a job whose end is posted\n');
  const job = await runJob('test-noop', (await upload(noted, 'note.txt')).id);

  // The first attempt is answered 500: the log says so, and when the next try is.
  const failed = await latest((d) => d.attempts === 1 && d.status === 'pending');
  await page.getByRole('button', { name: `Deliveries to ${address}` }).click();
  const row = page.getByTestId('deliveries').getByRole('row').filter({ hasText: job.id });
  await row.getByText('HTTP 500').waitFor();
  const waiting = (await row.innerText()).replace(/\s+/g, ' ');
  const next = await row.locator('[data-label="Next try"]').innerText();
  check(
    waiting.includes('job.succeeded') && waiting.includes('pending') && next !== '—',
    `the log: the first answer and the next try, ${next} (${waiting})`,
  );

  await until('the receiver has the retry', async () => received.length >= 2, { ms: 60_000 });
  const [first, retry] = received;
  const verified = new Webhook(secret).verify(retry.body, retry.headers);
  check(
    verified.type === 'job.succeeded' && verified.data.id === job.id,
    `the retry verifies with the reference library: ${verified.type} for ${verified.data.id}`,
  );
  check(first.headers['webhook-id'] === retry.headers['webhook-id'], 'the retry carries the first webhook-id');

  const delivery = await latest((d) => d.id === failed.id && d.status === 'delivered');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await row.getByText('delivered').waitFor();
  const cells = (await row.innerText()).replace(/\s+/g, ' ');
  check(/\b2\b/.test(cells) && /\b200 in \d+ ms/.test(cells), `the log: 2 attempts, the last answered 200 (${cells})`);
  await shot(page, 'webhooks-log');
  await page.setViewportSize({ width: 375, height: 800 });
  await shot(page, 'webhooks-375');
  check(
    await page.evaluate(() => document.documentElement.scrollWidth <= 375),
    'the webhooks form and log fit 375 px without sideways scrolling',
  );
  await page.setViewportSize({ width: 1280, height: 720 });

  await row.getByRole('button', { name: `Redeliver ${delivery.id}` }).click();
  await until('the redelivery arrives', async () => received.length >= 3, { ms: 30_000 });
  check(
    received[2].headers['webhook-id'] === retry.headers['webhook-id'] &&
      new Webhook(secret).verify(received[2].body, received[2].headers),
    'Redeliver sends the same message again, signed',
  );

  await page.getByRole('button', { name: `Delete ${address}` }).click();
  await page.getByText('No webhooks.').waitFor();
  check(true, 'Delete removes the webhook');
  console.log('PASS');
} catch (e) {
  await Promise.all(browser.contexts().flatMap((c) => c.pages().map((p) => shot(p, 'webhooks-failed'))));
  throw e;
} finally {
  await browser.close();
  receiver.close();
}

/** The webhook's newest delivery, once `ready` says it is as awaited. */
function latest(ready) {
  return until('the delivery log', async () => {
    const hooks = await (await api('/api/v1/webhooks')).json();
    const hook = hooks.items.find((h) => h.url === address);
    const log = await (await api(`/api/v1/webhooks/${hook.id}/deliveries`)).json();
    return log.items[0] && ready(log.items[0]) && log.items[0];
  });
}
