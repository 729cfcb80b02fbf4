import type { KilnHttp } from '../live';
import { dateTime } from './format';
import type { Session } from './session';
import { TokenManager } from './TokenManager';

/** Who you are, this browser's session, and your API tokens. */
export function AccountPage({ http, session }: { http: KilnHttp; session: Session }) {
  return (
    <section className="panel" aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <dl className="facts">
        <div>
          <dt>Name</dt>
          <dd data-testid="account-name">{session.user.name}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{session.user.role === 'admin' ? 'Administrator' : 'Member'}</dd>
        </div>
        <div>
          <dt>User id</dt>
          <dd>
            <code>{session.user.id}</code>
          </dd>
        </div>
        <div>
          <dt>This browser</dt>
          <dd>signed in until {dateTime(session.expiresAt)}, or until you sign out</dd>
        </div>
      </dl>
      <TokenManager http={http} />
    </section>
  );
}
