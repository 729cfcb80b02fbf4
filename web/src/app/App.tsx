import { useEffect, useMemo, useState } from 'react';
import { KilnHttp, LiveClient } from '../live';
import { ConnectionBadge } from './ConnectionBadge';
import { ErrorBoundary } from './ErrorBoundary';
import { JobPage } from './JobPage';
import { JobsPage } from './JobsPage';
import { Link } from './Link';
import { NewJobPage } from './NewJobPage';
import { loadProcessors, type ProcessorInfo } from './processors';
import { navigate, useRoute } from './router';
import { clearToken, readToken, takeTokenFromLink } from './session';
import { SignIn } from './SignIn';
import { Toasts } from './Toasts';
import { UploadQueue } from './uploadQueue';

/**
 * The app. Each tab has its own live connection (documented in docs/protocol.md): tabs agree
 * because each follows the same server-side event log, not because they talk to each other.
 */
export function App() {
  const [token, setToken] = useState(() => {
    takeTokenFromLink();
    return readToken();
  });
  if (!token) return <SignIn onSignedIn={() => { setToken(readToken()); navigate('/'); }} />;
  return <SignedIn token={token} onSignOut={() => { clearToken(); setToken(null); }} />;
}

function SignedIn({ token, onSignOut }: { token: string; onSignOut(): void }) {
  const route = useRoute();
  const client = useMemo(() => new LiveClient({ http: new KilnHttp({ token: () => token }) }), [token]);
  const uploads = useMemo(() => new UploadQueue(token), [token]);
  const [processors, setProcessors] = useState<ProcessorInfo[]>([]);
  const [problem, setProblem] = useState<string>();
  useEffect(() => () => client.dispose(), [client]);
  useEffect(() => {
    loadProcessors(client.http).then(setProcessors, (e: unknown) => {
      if (String(e).includes('401') || (e as { status?: number }).status === 401) onSignOut();
      else setProblem(String(e));
    });
  }, [client]);
  const formats = (type: string) => processors.find((p) => p.name === type)?.resultFormats ?? ['json'];

  return (
    <>
      <header className="top">
        <Link to="/" className="brand">Kiln</Link>
        <nav aria-label="Main">
          <Link to="/">Jobs</Link>
          <Link to="/new">New job</Link>
        </nav>
        <ConnectionBadge client={client} />
        <button type="button" className="link" onClick={onSignOut}>Sign out</button>
      </header>
      <main>
        {problem && <p role="alert" className="error">{problem}</p>}
        <ErrorBoundary name="page" key={JSON.stringify(route)}>
          {route.name === 'jobs' && <JobsPage client={client} types={processors.map((p) => p.name).filter((n) => !n.startsWith('test-'))} />}
          {route.name === 'job' && <JobPage client={client} id={route.id} formats={formats} />}
          {route.name === 'new' && <NewJobPage client={client} processors={processors} uploads={uploads} />}
          {route.name === 'signin' && <JobsPage client={client} types={processors.map((p) => p.name)} />}
          {route.name === 'notfound' && (
            <section className="panel"><h1>Not found</h1><p>Nothing lives at {route.path}. <Link to="/">Your jobs</Link>.</p></section>
          )}
        </ErrorBoundary>
      </main>
      <Toasts client={client} />
    </>
  );
}
