import { useEffect, useRef, useState } from 'react';
import { messageOf } from './errors';
import { signIn, type Session } from './session';
import { ErrorLine } from './ErrorLine';

/**
 * Paste an API token (or open the sign-in link printed at first start). The server checks it and
 * answers with a session cookie; the token itself is not kept in this browser.
 */
export function SignIn({ message, onSignedIn }: { message?: string; onSignedIn(session: Session): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(message);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), []);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(token));
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h1>Sign in to Kiln</h1>
        <p>
          Paste your API token. On first start Kiln prints the administrator's token and a sign-in link on its console.
        </p>
        <label>
          API token
          <input
            ref={field}
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
            aria-invalid={error !== undefined}
            aria-describedby={error ? 'signin-error' : undefined}
          />
        </label>
        {error && <ErrorLine id="signin-error">{error}</ErrorLine>}
        <button type="submit" disabled={busy || token.trim() === ''}>
          Sign in
        </button>
        <p className="note">
          This browser stays signed in until you sign out or the token is revoked; the token itself is not stored here.
        </p>
      </form>
    </main>
  );
}
