import type { KilnHttp } from '../live';
import { bytes, dateTime } from './format';
import type { Session } from './session';
import { TokenManager } from './TokenManager';
import { useLoad } from './useLoad';

interface Usage {
  usedBytes: number;
  quotaBytes: number;
  files: number;
  jobs: Record<string, number>;
}

function isUsage(value: unknown): value is Usage {
  const v = value as Partial<Usage> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.usedBytes === 'number' &&
    typeof v.quotaBytes === 'number' &&
    typeof v.files === 'number' &&
    typeof v.jobs === 'object'
  );
}

/** What your files take of your quota, and your jobs by state. */
function UsageFacts({ http }: { http: KilnHttp }) {
  const usage = useLoad(async () => {
    const answer = await http.call('/api/v1/me/usage');
    if (!isUsage(answer)) throw new Error('The server answered usage in an unexpected shape.');
    return answer;
  }, [http]);
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
      <UsageFacts http={http} />
      <TokenManager http={http} />
    </section>
  );
}
