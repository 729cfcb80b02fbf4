import { useId, useState } from 'react';
import type { KilnHttp } from '../live';
import {
  expiryInstant,
  issueToken,
  listTokens,
  revokeToken,
  tokensPath,
  tokenStatus,
  type ExpiryChoice,
  type IssuedToken,
  type TokenInfo,
} from './accounts';
import { messageOf } from './errors';
import { dateTime, day } from './format';
import { SecretOnce } from './SecretOnce';
import { useLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

const EXPIRY_CHOICES: { value: ExpiryChoice; label: string }[] = [
  { value: 'never', label: 'Never' },
  { value: '30', label: 'In 30 days' },
  { value: '90', label: 'In 90 days' },
  { value: '365', label: 'In a year' },
  { value: 'date', label: 'On a date…' },
];

/**
 * API tokens of one user: yours (no userId), or, for an admin, anyone's. Lists them, issues one
 * (its secret shown once), revokes one after asking.
 */
export function TokenManager({ http, userId, owner }: { http: KilnHttp; userId?: string; owner?: string }) {
  const path = tokensPath(userId);
  const tokens = useLoad(() => listTokens(http, path), [http, path]);
  const [issued, setIssued] = useState<IssuedToken>();
  const [problem, setProblem] = useState<string>();

  const revoke = async (token: TokenInfo) => {
    const whose = owner ? `${owner}'s token` : 'your token';
    const warning = owner
      ? `Programs using it stop working at once, and ${owner}'s browsers signed in with it are signed out.`
      : 'Programs using it stop working at once. If you signed in to this browser with it, you are signed out.';
    if (!window.confirm(`Revoke ${whose} “${token.label}”? ${warning}`)) return;
    setProblem(undefined);
    try {
      const revoked = await revokeToken(http, path, token.id);
      tokens.set((tokens.data ?? []).map((t) => (t.id === revoked.id ? revoked : t)));
      // A secret shown for the token just revoked is worth nothing now: it must not still say it works.
      setIssued((shown) => (shown?.id === revoked.id ? undefined : shown));
      // Read again: if this browser signed in with that token, the answer is 401, and the app signs out.
      tokens.reload();
    } catch (e) {
      setProblem(messageOf(e));
    }
  };

  return (
    <section className="tokens" aria-labelledby="tokens-title">
      <h2 id="tokens-title">{owner ? `${owner}'s API tokens` : 'Your API tokens'}</h2>
      <p className="note">
        {owner
          ? 'Tokens sign in to the web app and call the API as this user.'
          : 'A token signs you in here and lets programs using the API act as you. Revoking the token you signed in with signs you out.'}
      </p>
      {issued && (
        <SecretOnce title={`New token “${issued.label}”`} secret={issued.token} onDone={() => setIssued(undefined)}>
          <p>{issued.expiresAt ? `It works until ${dateTime(issued.expiresAt)}.` : 'It works until it is revoked.'}</p>
        </SecretOnce>
      )}
      <IssueForm
        onIssue={async (request) => {
          setProblem(undefined);
          const token = await issueToken(http, path, request);
          setIssued(token);
          tokens.reload();
        }}
      />
      <ErrorLine>{problem}</ErrorLine>
      {tokens.error !== undefined && <ErrorLine>Could not load the tokens: {messageOf(tokens.error)}</ErrorLine>}
      {tokens.data &&
        (tokens.data.length === 0 ? (
          <p className="empty">No tokens.</p>
        ) : (
          <table className="table" data-testid="tokens">
            <caption className="visually-hidden">{owner ? `${owner}'s tokens` : 'Your tokens'}</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => {
                const status = tokenStatus(token);
                return (
                  <tr key={token.id}>
                    <th scope="row" data-label="Label">
                      {token.label} <span className="job-id">{token.id}</span>
                    </th>
                    <td data-label="Status">
                      <span className={`badge token-${status}`}>
                        {status}
                        {token.revokedAt ? ` ${day(token.revokedAt)}` : ''}
                      </span>
                    </td>
                    <td data-label="Created">{day(token.createdAt)}</td>
                    <td data-label="Expires">{token.expiresAt ? dateTime(token.expiresAt) : 'never'}</td>
                    <td data-label="Last used">{token.lastUsedAt ? dateTime(token.lastUsedAt) : 'never'}</td>
                    <td className="row-actions">
                      {status === 'active' && (
                        <button
                          type="button"
                          className="danger"
                          onClick={() => void revoke(token)}
                          aria-label={`Revoke ${token.label}`}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        ))}
    </section>
  );
}

function IssueForm({ onIssue }: { onIssue(request: { label?: string; expiresAt?: string }): Promise<void> }) {
  const [label, setLabel] = useState('');
  const [choice, setChoice] = useState<ExpiryChoice>('never');
  const [date, setDate] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const errorId = useId();
  const today = new Date();
  const min = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;

  const submit = async () => {
    const expiry = expiryInstant(choice, date);
    if ('error' in expiry) {
      setError(expiry.error);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onIssue({ ...(label.trim() ? { label: label.trim() } : {}), ...expiry });
      setLabel('');
      setChoice('never');
      setDate('');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="inline-form"
      aria-label="Issue a token"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label>
        Label
        <input
          value={label}
          maxLength={100}
          placeholder="e.g. backup script"
          onChange={(e) => setLabel(e.target.value)}
        />
      </label>
      <label>
        Expires
        <select value={choice} onChange={(e) => setChoice(e.target.value as ExpiryChoice)}>
          {EXPIRY_CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      {choice === 'date' && (
        <label>
          Last day
          <input
            type="date"
            value={date}
            min={min}
            required
            onChange={(e) => setDate(e.target.value)}
            aria-invalid={error !== undefined}
            aria-describedby={error ? errorId : undefined}
          />
        </label>
      )}
      <button type="submit" disabled={busy}>
        Issue token
      </button>
      <ErrorLine id={errorId}>{error}</ErrorLine>
    </form>
  );
}
