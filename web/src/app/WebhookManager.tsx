import { useId, useState } from 'react';
import type { KilnHttp } from '../live';
import { messageOf } from './errors';
import { dateTime, day } from './format';
import { Link } from './Link';
import { SecretOnce } from './SecretOnce';
import { useLoad } from './useLoad';
import {
  createWebhook,
  deleteWebhook,
  EVENT_TYPES,
  lastAnswer,
  listDeliveries,
  listWebhooks,
  redeliver,
  rotateCallbackSecret,
  webhookRequest,
  type Delivery,
  type NewWebhook,
  type Webhook,
  type WebhookWithSecret,
} from './webhooks';
import { ErrorLine } from './ErrorLine';

const ENDPOINT_KEPT =
  'Kiln keeps it to sign every delivery but never shows it again; if it is lost, delete this webhook and add it again.';
const CALLBACK_KEPT =
  'It signs the callbacks of all your jobs (callbackUrl) from now on, retries included; the previous one no longer does.';

function name(hook: Webhook): string {
  return hook.kind === 'callback' ? 'Job callbacks' : (hook.url ?? hook.id);
}

/**
 * Your webhooks: endpoints Kiln posts a signed message to when a job of yours ends (add one, its
 * signing secret shown once; delete one), the secret of your jobs' own callbacks, and each one's
 * delivery log with a redelivery by hand.
 */
export function WebhookManager({ http }: { http: KilnHttp }) {
  const hooks = useLoad(() => listWebhooks(http), [http]);
  const [secret, setSecret] = useState<{ hook: WebhookWithSecret; callback: boolean }>();
  const [open, setOpen] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const hasCallback = (hooks.data ?? []).some((h) => h.kind === 'callback');
  const openHook = hooks.data?.find((h) => h.id === open);

  const remove = async (hook: Webhook) => {
    const warning =
      hook.kind === 'callback'
        ? 'Callbacks waiting to be sent are dropped, and the next one gets a new secret.'
        : 'Deliveries waiting to be sent are dropped.';
    if (!window.confirm(`Delete the webhook to ${name(hook)}? ${warning}`)) return;
    setProblem(undefined);
    try {
      await deleteWebhook(http, hook.id);
      if (open === hook.id) setOpen(undefined);
      hooks.set((hooks.data ?? []).filter((h) => h.id !== hook.id));
    } catch (e) {
      setProblem(messageOf(e));
    }
  };

  const rotate = async () => {
    if (
      hasCallback &&
      !window.confirm('Make a new callback secret? The current one stops signing your callbacks at once.')
    )
      return;
    setProblem(undefined);
    try {
      setSecret({ hook: await rotateCallbackSecret(http), callback: true });
      hooks.reload();
    } catch (e) {
      setProblem(messageOf(e));
    }
  };

  return (
    <section className="webhooks" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="note">
        When a job of yours ends, Kiln posts a signed message (Standard Webhooks) to each address here that asks for it.
        A job submitted with a <code>callbackUrl</code> is posted there too, signed with your callback secret.
      </p>
      {secret && (
        <SecretOnce
          title={secret.callback ? 'Your callback secret' : `Signing secret of ${name(secret.hook)}`}
          secret={secret.hook.secret}
          what="signing secret"
          kept={secret.callback ? CALLBACK_KEPT : ENDPOINT_KEPT}
          onDone={() => setSecret(undefined)}
        />
      )}
      <AddForm
        onAdd={async (request) => {
          setProblem(undefined);
          setSecret({ hook: await createWebhook(http, request), callback: false });
          hooks.reload();
        }}
      />
      <p>
        <button type="button" className="secondary" onClick={() => void rotate()}>
          {hasCallback ? 'New callback secret' : 'Show a callback secret'}
        </button>
      </p>
      <ErrorLine>{problem}</ErrorLine>
      {hooks.error !== undefined && <ErrorLine>Could not load the webhooks: {messageOf(hooks.error)}</ErrorLine>}
      {hooks.data &&
        (hooks.data.length === 0 ? (
          <p className="empty">No webhooks.</p>
        ) : (
          <table className="table" data-testid="webhooks">
            <caption className="visually-hidden">Your webhooks</caption>
            <thead>
              <tr>
                <th scope="col">Address</th>
                <th scope="col">Events</th>
                <th scope="col">Processors</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.data.map((hook) => (
                <tr key={hook.id}>
                  <th scope="row" data-label="Address">
                    {name(hook)} {hook.description && <span className="note">{hook.description}</span>}
                  </th>
                  <td data-label="Events">{hook.events.join(', ')}</td>
                  <td data-label="Processors">{hook.processors?.join(', ') ?? 'all'}</td>
                  <td data-label="Added">{day(hook.createdAt)}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      aria-expanded={open === hook.id}
                      onClick={() => setOpen(open === hook.id ? undefined : hook.id)}
                      aria-label={`Deliveries to ${name(hook)}`}
                    >
                      Deliveries
                    </button>{' '}
                    <button
                      type="button"
                      className="danger"
                      onClick={() => void remove(hook)}
                      aria-label={`Delete ${name(hook)}`}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {openHook && <DeliveryLog http={http} hook={openHook} />}
    </section>
  );
}

function AddForm({ onAdd }: { onAdd(request: NewWebhook): Promise<void> }) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([...EVENT_TYPES]);
  const [processors, setProcessors] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  const submit = async () => {
    const request = webhookRequest({ url, events, processors, description });
    if ('error' in request) {
      setError(request.error);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onAdd(request);
      setUrl('');
      setProcessors('');
      setDescription('');
      setEvents([...EVENT_TYPES]);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (event: string, on: boolean) =>
    setEvents((now) =>
      on ? EVENT_TYPES.filter((e) => e === event || now.includes(e)) : now.filter((e) => e !== event),
    );
  return (
    <form
      className="inline-form"
      aria-label="Add a webhook"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Address
        <input
          type="url"
          value={url}
          required
          placeholder="https://hooks.example.com/kiln"
          onChange={(e) => setUrl(e.target.value)}
          aria-invalid={error !== undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      <fieldset className="events">
        <legend>Events</legend>
        {EVENT_TYPES.map((event) => (
          <label key={event}>
            <input type="checkbox" checked={events.includes(event)} onChange={(e) => toggle(event, e.target.checked)} />{' '}
            {event}
          </label>
        ))}
      </fieldset>
      <label>
        Processors
        <input value={processors} placeholder="all" onChange={(e) => setProcessors(e.target.value)} />
      </label>
      <label>
        Description
        <input value={description} maxLength={200} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <button type="submit" disabled={busy}>
        Add webhook
      </button>
      <ErrorLine id={errorId}>{error}</ErrorLine>
    </form>
  );
}

/** One webhook's deliveries, newest first, a page at a time; each can be sent again. */
function DeliveryLog({ http, hook }: { http: KilnHttp; hook: Webhook }) {
  const [more, setMore] = useState<{ items: Delivery[]; nextCursor: string | null }>();
  const first = useLoad(() => listDeliveries(http, hook.id), [http, hook.id]);
  const [problem, setProblem] = useState<string>();
  const shown = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  const next = more ? more.nextCursor : (first.data?.nextCursor ?? null);

  const again = async (delivery: Delivery) => {
    setProblem(undefined);
    try {
      const queued = await redeliver(http, hook.id, delivery.id);
      const swap = (list: Delivery[]) => list.map((d) => (d.id === queued.id ? queued : d));
      if (first.data) first.set({ ...first.data, items: swap(first.data.items) });
      if (more) setMore({ ...more, items: swap(more.items) });
    } catch (e) {
      setProblem(messageOf(e));
    }
  };
  const loadMore = async () => {
    if (!next) return;
    try {
      const page = await listDeliveries(http, hook.id, next);
      setMore({ items: [...(more?.items ?? []), ...page.items], nextCursor: page.nextCursor });
    } catch (e) {
      setProblem(messageOf(e));
    }
  };

  return (
    <section className="deliveries" aria-label={`Deliveries to ${name(hook)}`}>
      <h3>Deliveries to {name(hook)}</h3>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setMore(undefined);
          first.reload();
        }}
      >
        Refresh
      </button>
      <ErrorLine>{problem}</ErrorLine>
      {first.error !== undefined && <ErrorLine>Could not load the deliveries: {messageOf(first.error)}</ErrorLine>}
      {first.data &&
        (shown.length === 0 ? (
          <p className="empty">Nothing delivered yet: a job of yours that ends shows here.</p>
        ) : (
          <table className="table" data-testid="deliveries">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Job</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">Next try</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr key={d.id}>
                  <th scope="row" data-label="When">
                    {dateTime(d.createdAt)}
                  </th>
                  <td data-label="Event">{d.event}</td>
                  <td data-label="Job">
                    <Link to={`/jobs/${d.jobId}`}>{d.jobId}</Link>
                    {hook.kind === 'callback' && <span className="note"> to {d.url}</span>}
                  </td>
                  <td data-label="Status">
                    <span className={`badge delivery-${d.status}`}>{d.status}</span>
                  </td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Last answer">{lastAnswer(d)}</td>
                  <td data-label="Next try">{d.nextAttemptAt ? dateTime(d.nextAttemptAt) : '—'}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => void again(d)}
                      aria-label={`Redeliver ${d.id}`}
                    >
                      Redeliver
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      {next && (
        <button type="button" className="secondary" onClick={() => void loadMore()}>
          Older deliveries
        </button>
      )}
    </section>
  );
}
