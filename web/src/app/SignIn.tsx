import { useState } from 'react';
import { KilnHttp } from '../live';
import { saveToken } from './session';

/** Paste an API token (or open the sign-in link printed at first start). The token is checked before it is kept. */
export function SignIn({ onSignedIn }: { onSignedIn(): void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await new KilnHttp({ token: () => token.trim() }).jobs({ limit: '1' });
      saveToken(token);
      onSignedIn();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form className="panel" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <h1>Sign in to Kiln</h1>
        <p>Paste your API token. On first start Kiln prints the administrator's token and a sign-in link on its console.</p>
        <label>
          API token
          <input type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required />
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" disabled={busy || token.trim() === ''}>Sign in</button>
      </form>
    </main>
  );
}
