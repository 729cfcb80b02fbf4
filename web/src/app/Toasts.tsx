import { useEffect, useState } from 'react';
import type { LiveClient } from '../live';
import { Link } from './Link';

interface Toast {
  id: number;
  job: string;
  text: string;
  failed: boolean;
}

/** A note, on any page, when one of your jobs finishes or fails. */
export function Toasts({ client }: { client: LiveClient }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  useEffect(() => {
    let next = 0;
    return client.followMine((event) => {
      if (event.kind !== 'state') return;
      const state = event.data.state;
      if (state !== 'succeeded' && state !== 'failed') return;
      const toast = {
        id: next++,
        job: event.job,
        text: state === 'succeeded' ? 'Job finished' : 'Job failed',
        failed: state === 'failed',
      };
      setToasts((current) => [...current.slice(-3), toast]);
      setTimeout(() => setToasts((current) => current.filter((t) => t.id !== toast.id)), 8000);
    });
  }, [client]);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast${t.failed ? ' failed' : ''}`}>
          {t.text}: <Link to={`/jobs/${t.job}`}>{t.job}</Link>
        </div>
      ))}
    </div>
  );
}
