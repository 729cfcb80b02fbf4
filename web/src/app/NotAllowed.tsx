import { Link } from './Link';
import type { SessionUser } from './session';

/** An admin page opened by someone who is not one: said plainly, with a way back. */
export function NotAllowed({ user }: { user: SessionUser }) {
  return (
    <section className="panel" aria-labelledby="not-allowed-title">
      <h1 id="not-allowed-title">Not allowed</h1>
      <p>
        Only administrators can open this page. You are signed in as <strong>{user.name}</strong> ({user.role}).
      </p>
      <p>
        <Link to="/">Back to your jobs</Link> · <Link to="/account">Your account</Link>
      </p>
    </section>
  );
}
