import { HttpError, type KilnHttp } from '../live';
import { getUser } from './accounts';
import { messageOf } from './errors';
import { bytes, day } from './format';
import { Link } from './Link';
import { NotAllowed } from './NotAllowed';
import type { Session } from './session';
import { TokenManager } from './TokenManager';
import { isForbidden, RoleButton, RoleProblem, useRoleChange } from './UsersPage';
import { useLoad } from './useLoad';

/** Admins: one user, what they own, their role, and their tokens. */
export function UserPage({
  http,
  session,
  id,
  onOwnRoleChanged,
}: {
  http: KilnHttp;
  session: Session;
  id: string;
  onOwnRoleChanged(): void;
}) {
  const user = useLoad(() => getUser(http, id), [http, id]);
  const roles = useRoleChange(http, session, onOwnRoleChanged, user.set);

  if (isForbidden(user.error)) return <NotAllowed user={session.user} />;
  if (user.error instanceof HttpError && user.error.code === 'user_not_found') {
    return (
      <section className="panel">
        <h1>No such user</h1>
        <p>
          There is no user {id}. <Link to="/admin/users">All users</Link>.
        </p>
      </section>
    );
  }
  if (!user.data) {
    return (
      <section className="panel" aria-busy={user.loading}>
        <p>{user.error ? `Could not load the user: ${messageOf(user.error)}` : 'Loading…'}</p>
      </section>
    );
  }
  const u = user.data;
  return (
    <section className="panel" aria-labelledby="user-title">
      <p className="crumbs">
        <Link to="/admin/users">Users</Link> ›
      </p>
      <div className="panel-head">
        <h1 id="user-title">
          {u.name} <span className="job-id">{u.id}</span>
        </h1>
        <div className="actions">
          <Link to={`/admin/audit?actor=${encodeURIComponent(u.id)}`} className="button secondary">
            Audit log
          </Link>
        </div>
      </div>
      {roles.problem && <RoleProblem {...roles.problem} />}
      <dl className="facts">
        <div>
          <dt>Role</dt>
          <dd>
            <span className="role">{u.role === 'admin' ? 'Administrator' : 'Member'}</span>{' '}
            <RoleButton user={u} busy={roles.busy === u.id} onChange={roles.change} />
          </dd>
        </div>
        <div>
          <dt>Jobs</dt>
          <dd>
            {u.jobs} ({u.activeJobs} active)
          </dd>
        </div>
        <div>
          <dt>Files</dt>
          <dd>
            {u.files}, {bytes(u.storedBytes)}
          </dd>
        </div>
        <div>
          <dt>Active tokens</dt>
          <dd>{u.activeTokens}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{day(u.createdAt)}</dd>
        </div>
      </dl>
      <TokenManager http={http} userId={u.id} owner={u.id === session.user.id ? undefined : u.name} key={u.id} />
    </section>
  );
}
