// End-to-end test of the web app in real headless Chromium (Debian's, driven by playwright-core),
// against a Kiln the calling Java test started. Prints what it checks; exits non-zero on the first
// failure. To have Kiln restarted it prints RESTART-KILN (or CRASH-KILN) and waits for a line on stdin. Screenshots of the main pages, desktop and 375 px wide, go to --shots.
//
//   node e2e/app.e2e.mjs --base http://localhost:8080 --token T --speech speech.wav --shots ../target/screenshots
import crypto from 'node:crypto';
import fs from 'node:fs';
import { api, args, base, check, launch, longSpeech, shot } from './support.mjs';

/** Asks the Java test that started Kiln to restart it (same port; SIGTERM, or SIGKILL for CRASH-KILN), and waits until it has. */
async function restartKiln(how = 'RESTART-KILN') {
  console.log(how);
  await new Promise((resolve) => process.stdin.once('data', resolve));
}

/** Whether the page's storage is free of tokens: no old kiln.token key, nothing that looks like a token. */
async function storageIsTokenFree(page) {
  const entries = await page.evaluate(() =>
    [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k)}`)),
  );
  return !entries.some(
    (entry) => entry.startsWith('kiln.token=') || entry.includes(args.token) || /kiln_[a-z0-9]{20}/.test(entry),
  );
}

const browser = await launch();
try {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('dialog', (dialog) => dialog.accept());
  const blocked = [];
  page.on('console', (message) => /Content Security Policy/.test(message.text()) && blocked.push(message.text()));
  const connection = page.getByTestId('connection');

  // Sign in with the link printed at first start (where an earlier version kept the token, it goes).
  await page.goto(`${base}/account`);
  await page.getByRole('heading', { name: 'Sign in to Kiln' }).waitFor();
  await page.evaluate(() => localStorage.setItem('kiln.token', 'kiln_from_an_old_version'));
  await page.goto(`${base}/signin#token=${args.token}`);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  check(!page.url().includes('token='), 'the sign-in link signs in and the token leaves the address bar');
  const cookie = (await context.cookies()).find((c) => c.name === 'kiln_session');
  check(
    cookie?.httpOnly && cookie.secure && cookie.sameSite === 'Strict' && cookie.path === '/api',
    `the session is a cookie scripts cannot read: HttpOnly, Secure, SameSite=Strict, Path=/api (${JSON.stringify({ ...cookie, value: '…' })})`,
  );
  check(await storageIsTokenFree(page), 'localStorage and sessionStorage hold no token');
  const forged = await page.evaluate(async () => {
    const response = await fetch('/api/v1/jobs', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"type":"test-noop","input":{},"params":{}}',
    });
    return [response.status, (await response.json()).code];
  });
  check(
    forged[0] === 403 && forged[1] === 'csrf_token_invalid',
    `a request with the cookie but without the CSRF header is refused (${forged.join(' ')})`,
  );
  await connection.getByText('Live').waitFor({ timeout: 15000 });
  check(true, 'the connection indicator says Live');

  // Upload a recording, resumably, and start a transcription in one go.
  await page.getByRole('link', { name: 'New job' }).first().click();
  await page.getByTestId('file-input').setInputFiles(longSpeech(args.speech, 12));
  check(
    (await page.getByLabel('Processor').inputValue()) === 'transcribe',
    'an audio file is offered the transcribe processor',
  );
  await shot(page, 'new-job-desktop');
  await page.getByRole('button', { name: /Upload and start/ }).click();
  await page.getByRole('link', { name: 'Watch the job' }).click({ timeout: 30000 });
  const jobId = page.url().split('/').pop();
  check(/^job_/.test(jobId), `the upload started job ${jobId}`);

  // The transcript grows live; a refresh mid-job loses nothing.
  const partials = page.getByTestId('partials').locator('li');
  await partials.first().waitFor({ timeout: 60000 });
  const stage = await page.getByTestId('stage').textContent();
  check(/\S/.test(stage), `the job page shows the running stage ("${stage}")`);
  await shot(page, 'job-running-desktop');
  await page.reload();
  await partials.first().waitFor({ timeout: 30000 });
  check(true, 'after a refresh mid-job the transcript is back');
  await page.getByText('Download SRT').waitFor({ timeout: 120000 });
  const result = await (await api(`/api/v1/jobs/${jobId}/result`)).json();
  const shown = await partials.allTextContents();
  check(
    shown.length === result.segments.length,
    `every segment shown once (${shown.length} on the page, ${result.segments.length} in the result)`,
  );
  check(
    shown.every((line, i) => line.endsWith(result.segments[i].text)),
    'the live transcript is the final one, in order',
  );
  await shot(page, 'job-done-desktop');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByText('Download SRT').click()]);
  const srt = fs.readFileSync(await download.path(), 'utf8');
  check(/^1\n\d\d:\d\d:\d\d,\d{3} --> /.test(srt), 'the SRT download is a subtitle file');

  // The recording plays next to its transcript; a line's time seeks to it.
  const player = page.getByTestId('player');
  await player.waitFor();
  await page.waitForFunction(() => document.querySelector('audio')?.readyState >= 1, null, { timeout: 15000 });
  await page.getByTestId('partials').locator('li').nth(1).getByRole('button').click();
  const position = await player.evaluate((audio) => audio.currentTime);
  check(
    Math.abs(position - result.segments[1].start) < 0.5,
    `clicking a line seeks the player to it (${position.toFixed(2)} s)`,
  );

  const { input } = await (await api(`/api/v1/jobs/${jobId}`)).json();

  // Kiln is redeployed mid-job: the page says so, comes back Live, and the transcript ends up the
  // final one, nothing missing, nothing twice (the job is re-run from the start after the restart).
  // reuse: false — the same file and params would otherwise take the first job's result at once.
  const again = await (
    await api('/api/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ type: 'transcribe', input, params: {}, reuse: false }),
    })
  ).json();
  await page.goto(`${base}/jobs/${again.id}`);
  await partials.first().waitFor({ timeout: 60000 });
  const reconnecting = connection.getByText(/Reconnecting|Connection failed/).waitFor({ timeout: 60000 });
  await restartKiln();
  await reconnecting;
  check(true, 'while Kiln restarts the indicator says Reconnecting');
  await connection.getByText('Live').waitFor({ timeout: 60000 });
  check(true, 'after the restart the indicator is Live again');
  await page.getByText('Download SRT').waitFor({ timeout: 180000 });
  const rerun = await (await api(`/api/v1/jobs/${again.id}/result`)).json();
  const afterRestart = await partials.allTextContents();
  check(
    afterRestart.length === rerun.segments.length &&
      afterRestart.every((line, i) => line.endsWith(rerun.segments[i].text)),
    `across the restart the transcript is the final one (${afterRestart.length} shown, ${rerun.segments.length} in the result)`,
  );

  // Cancel really stops a running job.
  const sleeper = await (
    await api('/api/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ type: 'test-sleep', input, params: { ms: 600000, steps: 600 } }),
    })
  ).json();
  await page.goto(`${base}/jobs/${sleeper.id}`);
  await page.getByTestId('stage').waitFor({ timeout: 30000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.locator('[aria-current="step"]', { hasText: 'Cancelled' }).waitFor({ timeout: 15000 });
  check((await (await api(`/api/v1/jobs/${sleeper.id}`)).json()).state === 'cancelled', 'Cancel stops a running job');

  // Deep links survive a refresh on every route.
  for (const [route, heading] of [
    ['/', 'Jobs'],
    ['/jobs', 'Jobs'],
    ['/signin', 'Jobs'],
    ['/new', 'New job'],
    [`/jobs/${jobId}`, 'transcribe'],
    ['/account', 'Account'],
    ['/admin/users', 'Users'],
    ['/admin/audit?action=job.cancelled', 'Audit log'],
    ['/no/such/page', 'Not found'],
  ]) {
    await page.goto(base + route);
    await page.reload();
    await page.getByRole('heading', { name: heading }).first().waitFor();
    check(true, `a refresh at ${route} shows the page`);
  }

  // An upload on a slow line survives a pause and Kiln crashing under it, and arrives intact.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const throttle = (bytesPerSecond) =>
    cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });
  await throttle(1024 * 1024);
  const big = longSpeech(args.speech, 40);
  await page.goto(`${base}/new`);
  await page.getByTestId('file-input').setInputFiles(big);
  await page.getByRole('button', { name: /Upload and start/ }).click();
  const status = page.getByTestId('upload-status').last();
  await status.getByText(/\d+% · [\d.]+ [KM]B\/s · .+ left/).waitFor({ timeout: 30000 });
  check(true, `the upload shows %, speed and time left ("${await status.textContent()}")`);
  await page.getByRole('button', { name: 'Pause' }).click();
  await status.getByText(/Paused at/).waitFor();
  check(true, 'the upload pauses');
  await page.getByRole('button', { name: 'Resume' }).click();
  await status.getByText(/\d+% ·/).waitFor({ timeout: 30000 });
  const dropped = status.getByText(/Connection lost/).waitFor({ timeout: 60000 });
  await restartKiln('CRASH-KILN');
  await dropped;
  check(true, 'Kiln crashing mid-upload shows as a lost connection being retried');
  await throttle(-1);
  await page.getByRole('link', { name: 'Watch the job' }).last().waitFor({ timeout: 120000 });
  const bigJob = (await page.getByRole('link', { name: 'Watch the job' }).last().getAttribute('href')).split('/').pop();
  const bigFile = (await (await api(`/api/v1/jobs/${bigJob}`)).json()).input.fileId;
  const stored = await (await api(`/api/v1/files/${bigFile}`)).json();
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(big)).digest('hex');
  check(stored.sha256 === sha256, 'after the pause and the crash the stored file is exactly the original');
  await api(`/api/v1/jobs/${bigJob}/cancel`, { method: 'POST' });

  // Pages of 25, older ones on demand, all kept live; counts cover every job, not just the page.
  for (let i = 0; i < 30; i++) {
    await api('/api/v1/jobs', { method: 'POST', body: JSON.stringify({ type: 'test-noop', input, params: {} }) });
  }
  await page.goto(`${base}/`);
  const rows = page.getByTestId('job-list').locator('li');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=job-list] li').length === 25);
  await page.getByRole('button', { name: 'Show 25 older jobs' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=job-list] li').length >= 33);
  check((await rows.count()) >= 33, `older jobs load below the first page (${await rows.count()} rows)`);
  let counts;
  do {
    await new Promise((resolve) => setTimeout(resolve, 200));
    counts = await (await api('/api/v1/jobs/counts')).json();
  } while (counts.counts.queued + counts.counts.running + counts.counts.retry_scheduled > 0);
  await page.getByLabel('Jobs per state').getByText(`succeeded ${counts.counts.succeeded}`).waitFor({ timeout: 15000 });
  check(true, `the per-state counts are the server's (${counts.counts.succeeded} succeeded)`);

  // Offline: said so, with the time of the data shown; back online: live again.
  await page.goto(`${base}/`);
  await connection.getByText('Live').waitFor({ timeout: 15000 });
  await context.setOffline(true);
  await connection.getByText(/Offline/).waitFor({ timeout: 15000 });
  check(true, 'offline emulation shows Offline');
  await context.setOffline(false);
  await connection.getByText('Live').waitFor({ timeout: 30000 });
  check(true, 'back online the indicator returns to Live');
  await shot(page, 'jobs-desktop');

  // Accounts: the admin adds a member (the first token shown once, copied), issues the member a
  // second token that expires, revokes it, and finds it all in the audit log.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByLabel('Name').fill('e2e-member');
  await page.getByRole('button', { name: 'Create user' }).click();
  const firstSecret = page.getByRole('region', { name: "e2e-member's first token" });
  await firstSecret.getByText('you will not see it again').waitFor();
  await firstSecret.getByRole('button', { name: 'Copy' }).click();
  await firstSecret.getByText('Copied to the clipboard.').waitFor();
  const memberToken = await page.evaluate(() => navigator.clipboard.readText());
  check(
    /^kiln_\S+$/.test(memberToken) && memberToken === (await firstSecret.getByLabel('The new token').inputValue()),
    "a new user's first token is shown once and the Copy button copies it",
  );
  await shot(page, 'users-desktop');
  await firstSecret.getByRole('button', { name: 'Done' }).click();
  const memberLink = page.getByTestId('users').getByRole('link', { name: 'e2e-member' });
  const memberId = (await memberLink.getAttribute('href')).split('/').pop();
  check(
    (await memberLink.locator('xpath=ancestor::tr').textContent()).includes('member'),
    `the users table lists ${memberId} as a member`,
  );
  await memberLink.click();
  await page.getByRole('heading', { level: 1, name: /e2e-member/ }).waitFor();
  await page.getByLabel('Label').fill('short-lived');
  await page.getByLabel('Expires').selectOption('30');
  await page.getByRole('button', { name: 'Issue token' }).click();
  await page
    .getByRole('region', { name: 'New token “short-lived”' })
    .getByText(/It works until/)
    .waitFor();
  const tokenRow = page.getByTestId('tokens').locator('tr', { hasText: 'short-lived' });
  check(
    /active/.test(await tokenRow.textContent()) && !/never/.test(await tokenRow.getByRole('cell').nth(2).textContent()),
    'a second token is issued with an expiry',
  );
  await shot(page, 'user-desktop');
  await tokenRow.getByRole('button', { name: 'Revoke short-lived' }).click();
  await tokenRow.getByText(/^revoked/).waitFor();
  check(true, 'revoking it shows its row as revoked');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  await page.getByTestId('audit').getByText('user.created').first().waitFor();
  check(true, 'the audit log shows the user being created');
  await page.getByLabel('Action').selectOption('job.submitted');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid=audit] tbody tr')].every((tr) =>
      tr.textContent.includes('job.submitted'),
    ),
  );
  const jobTarget = await page
    .getByTestId('audit')
    .locator('tbody tr')
    .first()
    .getByRole('link', { name: /^job_/ })
    .getAttribute('href');
  check(
    page.url().endsWith('?action=job.submitted') && /^\/jobs\/job_/.test(jobTarget),
    `the audit log filters by action; a job target links to its page (${jobTarget})`,
  );
  await page.getByLabel('Action').selectOption('');
  await page.getByTestId('audit').getByText('token.revoked').first().waitFor();
  await shot(page, 'audit-desktop');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await page.getByTestId('account-name').getByText('admin').waitFor();
  await shot(page, 'account-desktop');

  // Narrow screens.
  await page.setViewportSize({ width: 375, height: 800 });
  for (const [route, name] of [
    ['/', 'jobs'],
    [`/jobs/${jobId}`, 'job-done'],
    ['/new', 'new-job'],
    ['/account', 'account'],
    ['/admin/users', 'users'],
    [`/admin/users/${memberId}`, 'user'],
    ['/admin/audit', 'audit'],
  ]) {
    await page.goto(base + route);
    await page.locator('main h1').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    await shot(page, `${name}-375`);
  }
  check(
    await page.evaluate(() => document.documentElement.scrollWidth <= 375),
    'the audit log fits 375 px without sideways scrolling',
  );

  check(await storageIsTokenFree(page), 'after uploads and token handling, storage still holds no token');

  // Tabs share the cookie: a second tab is signed in already, and signing out in one signs out both.
  // The member then signs in with the copied token and sees no admin pages.
  const secondTab = await context.newPage();
  await secondTab.goto(`${base}/account`);
  await secondTab.getByTestId('account-name').getByText('admin').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in to Kiln' }).waitFor();
  await secondTab.getByRole('heading', { name: 'Sign in to Kiln' }).waitFor({ timeout: 5000 });
  await secondTab.close();
  check(
    !(await context.cookies()).some((c) => c.name === 'kiln_session'),
    'a second tab shares the session; Sign out clears the cookie and signs out both tabs',
  );
  await page.goto(`${base}/signin`);
  await page.getByLabel('API token').fill(memberToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Account' }).waitFor();
  check(
    (await nav.getByRole('link', { name: 'Users' }).count()) === 0 &&
      (await nav.getByRole('link', { name: 'Audit log' }).count()) === 0,
    'the member, signed in with the copied token, has no Users or Audit log in the menu',
  );
  await page.goto(`${base}/admin/users`);
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor();
  check(
    (await page.getByText('could not be shown').count()) === 0,
    'a member opening /admin/users is told it is not allowed',
  );
  await shot(page, 'not-allowed-375');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await page.getByRole('button', { name: 'Revoke first token' }).click();
  await page.getByRole('heading', { name: 'Sign in to Kiln' }).waitFor();
  check(
    (await page.getByText('Your session has ended').count()) === 1,
    'revoking the token this browser signed in with signs it out',
  );
  check(true, `screenshots written to ${args.shots}`);
  check(
    blocked.length === 0,
    `the Content-Security-Policy blocked nothing the app does (${blocked.join('; ') || 'none'})`,
  );
} catch (error) {
  console.log(String(error?.stack ?? error));
  process.exitCode = 1;
} finally {
  await browser.close();
  process.exit(); // stdin, read once for the restart, would keep Node alive
}
