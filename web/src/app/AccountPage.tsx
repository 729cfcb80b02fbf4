import type { KilnHttp } from '../live';
import { bytes, dateTime } from './format';
import { readUsage } from './library';
import type { Session } from './session';
import { TokenManager } from './TokenManager';
import { useLoad } from './useLoad';
import { WebhookManager } from './WebhookManager';

/** What your files take of your quota, and your jobs by state. */
function UsageFacts({ http }: { http: KilnHttp }) {
  const usage = useLoad(() => readUsage(http), [http]);
  if (!usage.data) return usage.error ? <p className="note">Storage use could not be read.</p> : null;
  const { usedBytes, quotaBytes, files, jobs } = usage.data;
  const byState = Object.entries(jobs)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state.replace('_', ' ')}`)
    .join(', ');
  return (
    <dl className="facts" data-testid="account-usage">
      <div>
        <dt>Storage</dt>
        <dd>
          {bytes(usedBytes)} of {bytes(quotaBytes)} in {files} {files === 1 ? 'file' : 'files'}
        </dd>
      </div>
      <div>
        <dt>Jobs</dt>
        <dd>{byState || 'none'}</dd>
      </div>
    </dl>
  );
}

/** Who you are, this browser's session, your API tokens and your webhooks. */
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
      <UsageFacts http={http} />
      <TokenManager http={http} />
      <WebhookManager http={http} />
    </section>
  );
}
