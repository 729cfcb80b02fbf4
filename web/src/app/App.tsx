import { useCallback, useEffect, useLayoutEffect, useMemo, useState } from 'react';
import { KilnHttp, LiveClient } from '../live';
import { AccountPage } from './AccountPage';
import { AskPage } from './AskPage';
import { AuditPage } from './AuditPage';
import { BatchPage } from './BatchPage';
import { ConnectionBadge } from './ConnectionBadge';
import { messageOf } from './errors';
import { ErrorBoundary } from './ErrorBoundary';
import { JobPage } from './JobPage';
import { JobsPage } from './JobsPage';
import { LibraryPage } from './LibraryPage';
import { Link } from './Link';
import { NewJobPage } from './NewJobPage';
import { NotAllowed } from './NotAllowed';
import { loadProcessors, type ProcessorInfo } from './processors';
import { ADMIN_ROUTES, navigate, useRoute } from './router';
import { SearchBox, SearchPage } from './SearchPage';
import {
  announceSessionChange,
  currentSession,
  onSessionChange,
  signIn,
  signOut,
  startingSession,
  takeTokenFromLink,
  type Session,
} from './session';
import { SignIn } from './SignIn';
import { Toasts } from './Toasts';
import { UploadQueue } from './uploadQueue';
import { UserPage } from './UserPage';
import { UsersPage } from './UsersPage';
import { ErrorLine } from './ErrorLine';

type Auth = { state: 'loading' } | { state: 'out'; message?: string } | { state: 'in'; session: Session };

/**
 * The app. The browser is signed in by an HttpOnly cookie the server set; the app only learns who
 * it is (GET /api/v1/session) and keeps the session's CSRF token in memory. Each tab has its own
 * live connection (documented in docs/protocol.md): tabs agree because each follows the same
 * server-side event log, not because they talk to each other.
 */
export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'loading' });
  const show = useCallback(
    (session: Session | null, message?: string) =>
      setAuth(session ? { state: 'in', session } : { state: 'out', message }),
    [],
  );
  useEffect(() => {
    let live = true;
    startingSession().then(
      (session) => live && show(session),
      (e: unknown) => live && show(null, messageOf(e)),
    );
    return () => {
      live = false;
    };
  }, [show]);
  // Another tab signed in or out: ask the server who this browser is now.
  useEffect(
    () =>
      onSessionChange(
        () =>
          void currentSession().then(
            (s) => show(s),
            () => undefined,
          ),
      ),
    [show],
  );
  // The sign-in link opened in a tab already at /signin changes only the fragment: no new page load.
  useEffect(() => {
    const linked = () => {
      const token = takeTokenFromLink();
      if (token)
        signIn(token).then(
          (s) => {
            show(s);
            announceSessionChange();
          },
          (e: unknown) => show(null, messageOf(e)),
        );
    };
    window.addEventListener('hashchange', linked);
    return () => window.removeEventListener('hashchange', linked);
  }, [show]);

  if (auth.state === 'loading')
    return (
      <main className="signin" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  if (auth.state === 'out') {
    return (
      <SignIn
        message={auth.message}
        onSignedIn={(session) => {
          show(session);
          announceSessionChange();
          if (window.location.pathname === '/signin') navigate('/');
        }}
      />
    );
  }
  // Another user is another app: nothing of the previous one's live state carries over.
  return <SignedIn key={auth.session.user.id} session={auth.session} onSession={show} />;
}

function SignedIn({
  session,
  onSession,
}: {
  session: Session;
  onSession(session: Session | null, message?: string): void;
}) {
  const route = useRoute();
  // One HTTP client per signed-in user (another user remounts this); it follows the session's CSRF token.
  const [link] = useState(() => sessionHttp(session.user.id, session.csrfToken, onSession));
  const http = link.http;
  // Before any effect of the pages below can send a request with it.
  useLayoutEffect(() => link.follow(session.csrfToken, onSession), [link, session.csrfToken, onSession]);
  const client = useMemo(() => new LiveClient({ http }), [http]);
  const uploads = useMemo(() => new UploadQueue(http), [http]);
  const [processors, setProcessors] = useState<ProcessorInfo[]>([]);
  const [problem, setProblem] = useState<string>();
  const [processorsProblem, setProcessorsProblem] = useState<string>();
  useEffect(() => () => client.dispose(), [client]);
  // Read again by the pages that show which workers are connected (they come and go).
  const refreshProcessors = useCallback(
    () =>
      void loadProcessors(http).then(
        (loaded) => {
          setProcessors(loaded);
          setProcessorsProblem(undefined);
        },
        (e: unknown) => setProcessorsProblem(`Could not read the processors: ${messageOf(e)}`),
      ),
    [http],
  );
  useEffect(refreshProcessors, [refreshProcessors]);
  const admin = session.user.role === 'admin';
  const refreshSession = () =>
    void currentSession().then(
      (s) => onSession(s),
      (e: unknown) => setProblem(messageOf(e)),
    );
  const leave = async () => {
    try {
      await signOut(http);
      announceSessionChange();
      onSession(null);
    } catch (e) {
      setProblem(`Could not sign out: ${messageOf(e)}`);
    }
  };

  return (
    <>
      <header className="top">
        <Link to="/" className="brand">
          Kiln
        </Link>
        <nav aria-label="Main">
          <Link to="/">Jobs</Link>
          <Link to="/new">New job</Link>
          <Link to="/library">Library</Link>
          <Link to="/ask">Ask</Link>
          {admin && <Link to="/admin/users">Users</Link>}
          {admin && <Link to="/admin/audit">Audit log</Link>}
          <Link to="/account">Account</Link>
        </nav>
        <SearchBox key={route.name === 'search' ? route.q : ''} initial={route.name === 'search' ? route.q : ''} />
        <ConnectionBadge client={client} />
        <button type="button" className="link" onClick={() => void leave()}>
          Sign out
        </button>
      </header>
      <main>
        {[problem, processorsProblem].filter(Boolean).map((text) => (
          <ErrorLine key={text}>{text}</ErrorLine>
        ))}
        {/* A new page starts afresh; the jobs list's, the audit log's and the library's filters are their own state, kept in the address. */}
        <ErrorBoundary
          name="page"
          key={
            route.name === 'audit' || route.name === 'library' || route.name === 'jobs'
              ? route.name
              : JSON.stringify(route)
          }
        >
          {ADMIN_ROUTES.has(route.name) && !admin && <NotAllowed user={session.user} />}
          {route.name === 'jobs' && (
            <JobsPage
              client={client}
              types={processors.map((p) => p.name).filter((n) => !n.startsWith('test-'))}
              processors={processors}
              state={route.state}
              type={route.type}
            />
          )}
          {route.name === 'job' && (
            <JobPage
              client={client}
              id={route.id}
              processors={processors}
              refreshProcessors={refreshProcessors}
              target={{ segment: route.segment, t: route.t }}
            />
          )}
          {route.name === 'batch' && <BatchPage http={http} id={route.id} processors={processors} />}
          {route.name === 'new' && (
            <NewJobPage
              client={client}
              processors={processors}
              uploads={uploads}
              refreshProcessors={refreshProcessors}
            />
          )}
          {route.name === 'signin' && <JobsPage client={client} types={processors.map((p) => p.name)} />}
          {route.name === 'account' && <AccountPage http={http} session={session} />}
          {route.name === 'search' && <SearchPage http={http} q={route.q} />}
          {route.name === 'ask' && <AskPage client={client} id={route.id} />}
          {route.name === 'library' && (
            <LibraryPage http={http} processors={processors} q={route.q} kind={route.kind} />
          )}
          {admin && route.name === 'users' && (
            <UsersPage http={http} session={session} onOwnRoleChanged={refreshSession} />
          )}
          {admin && route.name === 'user' && (
            <UserPage http={http} session={session} id={route.id} onOwnRoleChanged={refreshSession} />
          )}
          {admin && route.name === 'audit' && (
            <AuditPage http={http} session={session} actor={route.actor} action={route.action} />
          )}
          {route.name === 'notfound' && (
            <section className="panel">
              <h1>Not found</h1>
              <p>
                Nothing lives at {route.path}. <Link to="/">Your jobs</Link>.
              </p>
            </section>
          )}
        </ErrorBoundary>
      </main>
      <Toasts client={client} />
    </>
  );
}

type SessionReport = (session: Session | null, message?: string) => void;

/**
 * The HTTP client of one signed-in user: it sends the session's current CSRF token and tells the
 * app when the session has ended or been renewed.
 */
function sessionHttp(userId: string, csrfToken: string, onSession: SessionReport) {
  let csrf = csrfToken;
  let report = onSession;
  const http = new KilnHttp({
    csrf: () => csrf,
    // Another tab signed in again, so the cookie is a newer session than this tab knows. The
    // request goes again only if it is still the same user's: never act as someone else.
    renewCsrf: async () => {
      let now: Session | null;
      try {
        now = await currentSession();
      } catch {
        return false; // cannot tell now: the refusal stands
      }
      const renewed = now !== null && now.user.id === userId && now.csrfToken !== csrf;
      if (now) csrf = now.csrfToken;
      report(now, now ? undefined : 'Your session has ended; sign in again.');
      return renewed;
    },
    onUnauthenticated: () => report(null, 'Your session has ended; sign in again.'),
  });
  return {
    http,
    /** What the app now knows of the session. */
    follow(token: string, onChange: SessionReport) {
      csrf = token;
      report = onChange;
    },
  };
}
