// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeClient, json } from './testClient';
import { WebhookManager } from './WebhookManager';
import { lastAnswer, webhookRequest, type Delivery } from './webhooks';

afterEach(cleanup);

const delivery = (n: number, extra: Partial<Delivery> = {}): Delivery => ({
  id: `msg_${n}`,
  webhookId: 'wh_1',
  jobId: `job_${n}`,
  event: 'job.succeeded',
  url: 'https://hooks.example/kiln',
  status: 'delivered',
  attempts: 1,
  createdAt: '2026-12-05T09:00:00Z',
  lastAttemptAt: '2026-12-05T09:00:01Z',
  responseStatus: 200,
  latencyMs: 35,
  ...extra,
});

/** A Kiln that knows webhooks and their deliveries, answering like the real API; records each call. */
class FakeWebhooks {
  hooks: Record<string, unknown>[] = [
    {
      id: 'wh_1',
      kind: 'endpoint',
      url: 'https://hooks.example/kiln',
      events: ['job.succeeded', 'job.failed', 'job.cancelled'],
      createdAt: '2026-12-01T10:00:00Z',
    },
  ];
  deliveries: Delivery[] = [
    delivery(3, {
      status: 'pending',
      attempts: 2,
      responseStatus: 503,
      error: 'HTTP 503: busy',
      nextAttemptAt: '2026-12-05T09:05:00Z',
    }),
    delivery(2),
  ];
  older: Delivery[] = [
    delivery(1, {
      status: 'failed',
      attempts: 30,
      responseStatus: undefined,
      error: 'refused: 10.0.0.1 is a private address',
    }),
  ];

  private readonly fake = fakeClient(({ method, path, body }) =>
    this.answer(method, path, body as Record<string, unknown>),
  );
  http = this.fake.client.http;
  calls = this.fake.calls;

  private answer(method: string, path: string, body: Record<string, unknown>): Response | undefined {
    if (path === '/api/v1/webhooks' && method === 'GET') return json({ items: this.hooks });
    if (path === '/api/v1/webhooks' && method === 'POST') {
      if (String(body.url).includes('localhost')) {
        return json(
          {
            code: 'url_not_allowed',
            detail: 'Kiln does not send requests to localhost: 127.0.0.1 is a loopback address.',
            reason: 'loopback',
          },
          422,
        );
      }
      const hook = { id: `wh_${this.hooks.length + 1}`, kind: 'endpoint', ...body, createdAt: '2026-12-05T10:00:00Z' };
      this.hooks.push(hook);
      return json({ ...hook, secret: 'whsec_NEW' }, 201);
    }
    if (path === '/api/v1/webhooks/callback-secret' && method === 'POST') {
      const entry = { id: 'wh_cb', kind: 'callback', events: ['job.succeeded'], createdAt: '2026-12-05T10:00:00Z' };
      if (!this.hooks.some((h) => h.id === 'wh_cb')) this.hooks.unshift(entry);
      return json({ ...entry, secret: 'whsec_CALLBACK' }, 201);
    }
    const one = /^\/api\/v1\/webhooks\/(wh_\w+)$/.exec(path);
    if (one && method === 'DELETE') {
      this.hooks = this.hooks.filter((h) => h.id !== one[1]);
      return new Response(null, { status: 204 });
    }
    if (path === '/api/v1/webhooks/wh_1/deliveries?limit=20') return json({ items: this.deliveries, nextCursor: 'c1' });
    if (path === '/api/v1/webhooks/wh_1/deliveries?limit=20&cursor=c1')
      return json({ items: this.older, nextCursor: null });
    const again = /^\/api\/v1\/webhooks\/wh_1\/deliveries\/(msg_\d+)\/redeliver$/.exec(path);
    if (again && method === 'POST') {
      const d = [...this.deliveries, ...this.older].find((x) => x.id === again[1])!;
      return json({ ...d, status: 'pending', nextAttemptAt: '2026-12-05T10:00:00Z' }, 202);
    }
    return undefined;
  }
}

let kiln: FakeWebhooks;
let confirm: ReturnType<typeof vi.fn>;
beforeEach(() => {
  kiln = new FakeWebhooks();
  confirm = vi.fn(() => true);
  window.confirm = confirm as unknown as typeof window.confirm;
});

describe('your webhooks', () => {
  it('adds one for some events and processors, shows its signing secret once, with the CSRF token sent', async () => {
    render(<WebhookManager http={kiln.http} />);
    await screen.findByText('https://hooks.example/kiln');
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: ' https://ci.example/hook ' } });
    fireEvent.click(screen.getByLabelText('job.cancelled'));
    fireEvent.change(screen.getByLabelText('Processors'), { target: { value: 'transcribe, extract' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add webhook' }));

    const secret = await screen.findByRole('region', { name: 'Signing secret of https://ci.example/hook' });
    expect(within(secret).getByLabelText<HTMLInputElement>('The new signing secret').value).toBe('whsec_NEW');
    expect(secret.textContent).toContain('you will not see it again');
    expect(secret.textContent).toContain('delete this webhook and add it again');
    const post = kiln.calls.find((c) => c.method === 'POST')!;
    expect(post.headers.get('X-Kiln-CSRF')).toBe('csrf_1');
    expect(post.body).toEqual({
      url: 'https://ci.example/hook',
      events: ['job.succeeded', 'job.failed'],
      processors: ['transcribe', 'extract'],
    });
    await screen.findByText('https://ci.example/hook');
    fireEvent.click(within(secret).getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('secret')).toBeNull();
  });

  it('says why the server refuses an address, and refuses a form that is not a webhook before asking', async () => {
    render(<WebhookManager http={kiln.http} />);
    await screen.findByText('https://hooks.example/kiln');
    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'ftp://x' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add a webhook' }));
    expect((await screen.findByRole('alert')).textContent).toContain('http:// or https://');
    expect(kiln.calls.filter((c) => c.method === 'POST')).toHaveLength(0);

    fireEvent.change(screen.getByLabelText('Address'), { target: { value: 'http://localhost:8080/' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Add a webhook' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('127.0.0.1 is a loopback address'));
    expect(screen.queryByTestId('secret')).toBeNull();
  });

  it('deletes one only after asking', async () => {
    render(<WebhookManager http={kiln.http} />);
    await screen.findByText('https://hooks.example/kiln');
    confirm.mockReturnValueOnce(false);
    fireEvent.click(screen.getByRole('button', { name: 'Delete https://hooks.example/kiln' }));
    expect(confirm.mock.calls[0][0]).toContain('Deliveries waiting to be sent are dropped.');
    expect(kiln.calls.filter((c) => c.method === 'DELETE')).toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Delete https://hooks.example/kiln' }));
    await screen.findByText('No webhooks.');
    expect(kiln.calls.filter((c) => c.method === 'DELETE').map((c) => [c.path, c.headers.get('X-Kiln-CSRF')])).toEqual([
      ['/api/v1/webhooks/wh_1', 'csrf_1'],
    ]);
  });

  it('shows the callback secret once, and asks before replacing one', async () => {
    render(<WebhookManager http={kiln.http} />);
    await screen.findByText('https://hooks.example/kiln');
    fireEvent.click(screen.getByRole('button', { name: 'Show a callback secret' }));
    const secret = await screen.findByRole('region', { name: 'Your callback secret' });
    expect(within(secret).getByLabelText<HTMLInputElement>('The new signing secret').value).toBe('whsec_CALLBACK');
    expect(confirm).not.toHaveBeenCalled();
    await screen.findByText('Job callbacks');

    fireEvent.click(screen.getByRole('button', { name: 'New callback secret' }));
    expect(confirm.mock.calls[0][0]).toContain('stops signing your callbacks at once');
  });

  it('shows the delivery log a page at a time and sends one again', async () => {
    render(<WebhookManager http={kiln.http} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Deliveries to https://hooks.example/kiln' }));
    const log = await screen.findByRole('region', { name: 'Deliveries to https://hooks.example/kiln' });
    const rows = await within(log).findAllByRole('row');
    expect(rows).toHaveLength(3);
    expect(rows[1].textContent).toContain('pending');
    expect(rows[1].textContent).toContain('HTTP 503: busy');
    expect(rows[2].textContent).toContain('200 in 35 ms');
    expect(within(rows[1]).getByRole('link', { name: 'job_3' }).getAttribute('href')).toBe('/jobs/job_3');

    fireEvent.click(within(log).getByRole('button', { name: 'Older deliveries' }));
    await within(log).findByText('refused: 10.0.0.1 is a private address');
    expect(within(log).queryByRole('button', { name: 'Older deliveries' })).toBeNull();

    fireEvent.click(within(log).getByRole('button', { name: 'Redeliver msg_2' }));
    await waitFor(() => expect(within(log).getAllByRole('row')[2].textContent).toContain('pending'));
    const post = kiln.calls.find((c) => c.method === 'POST')!;
    expect([post.path, post.headers.get('X-Kiln-CSRF')]).toEqual([
      '/api/v1/webhooks/wh_1/deliveries/msg_2/redeliver',
      'csrf_1',
    ]);
  });
});

describe('the webhook form and log, as text', () => {
  it('turns the form into a request or says what is wrong', () => {
    const form = { url: 'https://a.example/x', events: ['job.failed'], processors: '', description: ' ' };
    expect(webhookRequest(form)).toEqual({ url: 'https://a.example/x', events: ['job.failed'] });
    expect(webhookRequest({ ...form, events: [] })).toEqual({ error: 'Choose at least one event.' });
    expect(webhookRequest({ ...form, processors: 'Transcribe' })).toHaveProperty('error');
    expect(webhookRequest({ ...form, url: 'hooks.example' })).toHaveProperty('error');
  });

  it('says what a delivery last got', () => {
    expect(lastAnswer(delivery(1))).toBe('200 in 35 ms');
    expect(lastAnswer(delivery(1, { attempts: 0, status: 'pending', responseStatus: undefined }))).toBe(
      'not tried yet',
    );
    expect(lastAnswer(delivery(1, { status: 'pending', error: 'SocketTimeoutException: Read timed out' }))).toBe(
      'SocketTimeoutException: Read timed out',
    );
  });
});
