// The connection badge when the live connection cannot be had, in Chromium against a Kiln that
// allows one connection per user (the calling test sets it): a second tab is refused (4008), its
// badge says why and what to do; once a slot is free, the browser coming back online — or, in a
// third tab, the tab being shown — brings it back at once, not at the next background try (30 s+).
// Arguments: --base, --token, --shots.
import { args, base, check, launch, shot } from './support.mjs';

const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });

  /** A tab of the app, signed in (the session cookie is the context's). */
  async function tab() {
    const page = await context.newPage();
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    return page;
  }

  /** Waits for the badge to say it is refused for too many connections, and what to do. */
  async function refused(page, name) {
    const connection = page.getByTestId('connection');
    await connection.getByText('Connection failed: too many connections').waitFor({ timeout: 30000 });
    const text = await connection.innerText();
    check(
      /close some/.test(text) && /keeps trying in the background/.test(text),
      `${name}: the badge says why it failed and what to do (${text.replace(/\s+/g, ' ')})`,
    );
    await shot(page, `badge-${name}`);
    return Date.now();
  }

  /** Fires {@code trigger} until the badge says Live (a slot freed a moment ago may not be free yet). */
  async function backAtOnce(page, trigger, what, failedAt) {
    const connection = page.getByTestId('connection');
    for (let i = 0; i < 10; i++) {
      await page.evaluate(trigger);
      try {
        await connection.getByText('Live').waitFor({ timeout: 1500 });
        const took = Date.now() - failedAt;
        check(took < 30000, `${what} reconnects at once, not at the next background try (${took} ms after failing)`);
        return;
      } catch {
        // not yet: the server may not have counted the closed tab's socket out
      }
    }
    throw new Error(`FAILED: ${what} did not bring the connection back`);
  }

  const first = await context.newPage();
  await first.goto(`${base}/signin#token=${args.token}`);
  await first.getByRole('heading', { name: 'Jobs' }).waitFor();
  await first.getByTestId('connection').getByText('Live').waitFor({ timeout: 15000 });
  check(true, 'the first tab is live and holds the only connection allowed');

  const second = await tab();
  const secondFailed = await refused(second, 'second-tab');
  await first.close();
  await backAtOnce(
    second,
    () => window.dispatchEvent(new Event('online')),
    'the browser coming back online',
    secondFailed,
  );

  const third = await tab();
  const thirdFailed = await refused(third, 'third-tab');
  await second.close();
  await third.bringToFront();
  check((await third.evaluate(() => document.visibilityState)) === 'visible', 'the third tab is the visible one');
  await backAtOnce(
    third,
    () => document.dispatchEvent(new Event('visibilitychange')),
    'the tab being shown',
    thirdFailed,
  );
} finally {
  await browser.close();
}
