import { useId, useState } from 'react';
import { HttpError, type KilnHttp } from '../live';
import { changeRole, createUser, deleteUser, listUsers, type UserInfo } from './accounts';
import { messageOf } from './errors';
import { bytes, day } from './format';
import { Link } from './Link';
import { NotAllowed } from './NotAllowed';
import { SecretOnce } from './SecretOnce';
import type { Role, Session, SessionUser } from './session';
import { useLoad } from './useLoad';
import { ErrorLine } from './ErrorLine';

/** Admins: every user, what they own, a form to add one, and their roles. */
export function UsersPage({
  http,
  session,
  onOwnRoleChanged,
}: {
  http: KilnHttp;
  session: Session;
  onOwnRoleChanged(): void;
}) {
  const users = useLoad(() => listUsers(http), [http]);
  const [created, setCreated] = useState<{ user: SessionUser; token: string }>();
  const [deleted, setDeleted] = useState<{ name: string; stopping: number }>();
  const roles = useRoleChange(http, session, onOwnRoleChanged, (user) =>
    users.set((users.data ?? []).map((u) => (u.id === user.id ? user : u))),
  );

  if (isForbidden(users.error)) return <NotAllowed user={session.user} />;
  return (
    <section className="panel" aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      {created && (
        <SecretOnce
          title={`${created.user.name}'s first token`}
          secret={created.token}
          onDone={() => setCreated(undefined)}
        >
          <p>Give it to {created.user.name}: they sign in with it (or use it with the API).</p>
        </SecretOnce>
      )}
      <CreateUserForm
        onCreate={async (name, role) => {
          const answer = await createUser(http, name, role);
          setCreated(answer);
          users.reload();
        }}
      />
      {roles.problem && <RoleProblem {...roles.problem} />}
      {deleted && (
        <p role="status" className="note">
          {deleted.name} was deleted.
          {deleted.stopping > 0 &&
            ` ${deleted.stopping} of their jobs ${deleted.stopping === 1 ? 'was' : 'were'} still running: asked to stop, ${deleted.stopping === 1 ? 'it goes' : 'they go'} once stopped.`}
        </p>
      )}
      {users.error !== undefined && <ErrorLine>Could not load the users: {messageOf(users.error)}</ErrorLine>}
      {!users.data && users.loading && <p aria-busy="true">Loading…</p>}
      {users.data && (
        <table className="table" data-testid="users">
          <caption className="visually-hidden">Users and what they own</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Jobs (active)</th>
              <th scope="col">Files</th>
              <th scope="col">Storage</th>
              <th scope="col">Active tokens</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Delete</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((user) => (
              <tr key={user.id}>
                <th scope="row" data-label="Name">
                  <Link to={`/admin/users/${user.id}`}>{user.name}</Link>
                </th>
                <td data-label="Role">
                  <span className="role">{user.role}</span>{' '}
                  <RoleButton user={user} busy={roles.busy === user.id} onChange={roles.change} />
                </td>
                <td data-label="Jobs (active)">
                  {user.jobs} ({user.activeJobs})
                </td>
                <td data-label="Files">{user.files}</td>
                <td data-label="Storage">{bytes(user.storedBytes)}</td>
                <td data-label="Active tokens">{user.activeTokens}</td>
                <td data-label="Created">{day(user.createdAt)}</td>
                <td>
                  {user.id !== session.user.id && (
                    <UserDeletion
                      http={http}
                      user={user}
                      onDeleted={(stopping) => {
                        setDeleted({ name: user.name, stopping });
                        users.set((users.data ?? []).filter((u) => u.id !== user.id));
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Says everything that goes with the user; nothing is sent until that is confirmed. */
export function deletionWarning(user: UserInfo): string {
  const owned =
    user.jobs + user.files === 0
      ? 'They own no jobs or files.'
      : `Their ${user.jobs} job${user.jobs === 1 ? '' : 's'}${user.activeJobs > 0 ? ` (${user.activeJobs} waiting or running, which are stopped)` : ''} and ${user.files} file${user.files === 1 ? '' : 's'} (${bytes(user.storedBytes)}) are deleted with them, results included.`;
  return `Delete ${user.name}? ${owned} Their ${user.activeTokens} token${user.activeTokens === 1 ? '' : 's'} and every session end at once, signing them out everywhere. This cannot be undone.`;
}

/** Delete, once confirmed, with what goes spelled out. */
function UserDeletion({
  http,
  user,
  onDeleted,
}: {
  http: KilnHttp;
  user: UserInfo;
  onDeleted(stillStopping: number): void;
}) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onDeleted((await deleteUser(http, user.id)).length);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  if (!asking)
    return (
      <button
        type="button"
        className="small secondary danger"
        onClick={() => setAsking(true)}
        aria-label={`Delete ${user.name}`}
      >
        Delete
      </button>
    );
  return (
    <div className="confirm" role="group" aria-label={`Delete ${user.name}`}>
      <p>{deletionWarning(user)}</p>
      <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
        Delete {user.name} and all they own
      </button>
      <button type="button" disabled={busy} onClick={() => setAsking(false)}>
        Keep
      </button>
      <ErrorLine>{error}</ErrorLine>
    </div>
  );
}

export function isForbidden(error: unknown): boolean {
  return error instanceof HttpError && error.status === 403 && error.code === 'forbidden';
}

/** Changing a role, after asking; the only administrator cannot be demoted, which the server explains. */
export function useRoleChange(
  http: KilnHttp,
  session: Session,
  onOwnRoleChanged: () => void,
  onChanged: (user: UserInfo) => void,
) {
  const [busy, setBusy] = useState<string>();
  const [problem, setProblem] = useState<{ name: string; to: Role; detail: string; lastAdmin: boolean }>();
  const change = async (user: UserInfo, to: Role) => {
    const self = user.id === session.user.id;
    const question =
      to === 'admin'
        ? `Make ${user.name} an administrator? They will see every user's jobs, manage users and tokens, and read the audit log.`
        : `Make ${user.name} a member? They will see only their own jobs.${self ? ' This is you: you lose the admin pages at once.' : ''}`;
    if (!window.confirm(question)) return;
    setBusy(user.id);
    setProblem(undefined);
    try {
      onChanged(await changeRole(http, user.id, to));
      if (self) onOwnRoleChanged();
    } catch (e) {
      setProblem({
        name: user.name,
        to,
        detail: messageOf(e),
        lastAdmin: e instanceof HttpError && e.code === 'last_admin',
      });
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, problem, change };
}

export function RoleButton({
  user,
  busy,
  onChange,
}: {
  user: UserInfo;
  busy: boolean;
  onChange(user: UserInfo, to: Role): void;
}) {
  const to: Role = user.role === 'admin' ? 'member' : 'admin';
  return (
    <button
      type="button"
      className="small secondary"
      disabled={busy}
      onClick={() => onChange(user, to)}
      aria-label={`Make ${user.name} ${to === 'admin' ? 'an administrator' : 'a member'}`}
    >
      {to === 'admin' ? 'Make admin' : 'Make member'}
    </button>
  );
}

export function RoleProblem({
  name,
  to,
  detail,
  lastAdmin,
}: {
  name: string;
  to: Role;
  detail: string;
  lastAdmin: boolean;
}) {
  return (
    <div role="alert" className="error-box" data-testid="role-problem">
      <p>
        <strong>
          {name} is still {to === 'admin' ? 'a member' : 'an administrator'}.
        </strong>{' '}
        {detail}
      </p>
      {lastAdmin && (
        <p>Kiln always keeps at least one administrator: make another user an administrator first, then try again.</p>
      )}
    </div>
  );
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function CreateUserForm({ onCreate }: { onCreate(name: string, role: Role): Promise<void> }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('member');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  const errorId = useId();
  const submit = async () => {
    if (!NAME.test(name.trim())) {
      setError('A name is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onCreate(name.trim(), role);
      setName('');
      setRole('member');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="inline-form"
      aria-labelledby="create-user-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="create-user-title" className="form-title">
        Add a user
      </h2>
      <label>
        Name
        <input
          value={name}
          required
          maxLength={64}
          autoComplete="off"
          onChange={(e) => setName(e.target.value)}
          aria-invalid={error !== undefined}
          aria-describedby={error ? `${hintId} ${errorId}` : hintId}
        />
      </label>
      <label>
        Role
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <option value="member">Member</option>
          <option value="admin">Administrator</option>
        </select>
      </label>
      <button type="submit" disabled={busy}>
        Create user
      </button>
      <p id={hintId} className="note form-hint">
        Letters, digits, ".", "_" and "-". Their first token is shown once, here.
      </p>
      <ErrorLine id={errorId}>{error}</ErrorLine>
    </form>
  );
}
