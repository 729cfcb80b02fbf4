import { useConnection, type FailureCause, type LiveClient } from '../live';
import { clock } from './format';
import { useNow } from './useNow';

/** Why a connection failed, and what the user can do about it. */
const FAILURES: Record<FailureCause, { why: string; todo: string }> = {
  too_many_connections: {
    why: 'too many connections',
    todo: 'Kiln is open in too many tabs or windows for your account: close some.',
  },
  signed_out: { why: 'you are signed out', todo: 'Sign in again.' },
  refused: { why: 'the server refused it', todo: 'Reload the page; if that does not help, ask your administrator.' },
  unreachable: { why: 'the server is unreachable', todo: 'Check your network connection.' },
};

/** Live / Reconnecting (next try in Ns) / Offline (data as of …) / Failed: why and what to do, with "Reconnect now". */
export function ConnectionBadge({ client }: { client: LiveClient }) {
  const connection = useConnection(client);
  const now = useNow();
  const asOf = connection.lastSyncedAt ? ` (data as of ${clock(connection.lastSyncedAt)})` : '';
  let text: string;
  switch (connection.state) {
    case 'open':
      text = 'Live';
      break;
    case 'connecting':
      text = 'Connecting…';
      break;
    case 'reconnecting': {
      const wait = connection.nextRetryAt ? Math.max(0, Math.ceil((connection.nextRetryAt - now) / 1000)) : 0;
      text = wait > 0 ? `Reconnecting (next try in ${wait} s)` : 'Reconnecting…';
      break;
    }
    case 'offline':
      text = `Offline${asOf}`;
      break;
    case 'paused':
      text = `Paused while the tab is hidden${asOf}`;
      break;
    case 'failed':
      text = `Connection failed: ${FAILURES[connection.cause ?? 'unreachable'].why}${asOf}`;
      break;
  }
  const advice =
    connection.state === 'failed'
      ? `${FAILURES[connection.cause ?? 'unreachable'].todo} Kiln keeps trying in the background.`
      : null;
  return (
    <div
      className={`connection connection-${connection.state}`}
      role="status"
      aria-live="polite"
      data-testid="connection"
    >
      <span className="dot" aria-hidden="true" />
      <span>{text}</span>
      {(connection.state === 'failed' || connection.state === 'reconnecting') && (
        <button type="button" className="link" onClick={() => client.retryNow()}>
          Reconnect now
        </button>
      )}
      {advice && <span className="connection-advice">{advice}</span>}
    </div>
  );
}

/** Whether actions that need the server can be taken now, and if not, why. */
export function useServerReachable(client: LiveClient): { reachable: boolean; why: string } {
  const connection = useConnection(client);
  const reachable = connection.state === 'open' || connection.state === 'connecting';
  return {
    reachable,
    why: reachable ? '' : 'Not connected to Kiln: this will be possible again once the connection is back.',
  };
}
