import { useCallback, useEffect, useState } from 'react';
import { HttpError, type KilnHttp } from '../live';
import { messageOf } from './errors';
import { loadBatch, type Batch } from './batches';

/** How often an unfinished batch is read again while the tab is shown. */
export const BATCH_POLL_MS = 1_000;

export interface LiveBatch {
  batch?: Batch;
  error?: string;
  notFound: boolean;
  /** Shows what an action answered, and polls again if the batch has work again (a retry). */
  replace(batch: Batch): void;
}

/**
 * A batch, kept current by polling its one endpoint once a second while it has unfinished jobs
 * and the tab is shown (docs/protocol.md, "Batches": one bounded request, however many jobs the
 * batch has, instead of one subscription each). Each poll waits for the answer before the next.
 */
export function useBatch(http: KilnHttp, id: string): LiveBatch {
  const [state, setState] = useState<{ batch?: Batch; error?: string; notFound: boolean }>({ notFound: false });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The next read waits for the tab to be shown again; only then does showing it read at once,
    // so a read already on its way (or a finished batch) is never joined by a second one.
    let parked = false;
    const poll = () => {
      loadBatch(http, id).then(
        (batch) => {
          if (!live) return;
          setState({ batch, notFound: false });
          if (!batch.finished) later();
        },
        (e: unknown) => {
          if (!live) return;
          const notFound = e instanceof HttpError && e.status === 404;
          setState((s) => ({ batch: s.batch, error: messageOf(e), notFound }));
          if (!notFound) later();
        },
      );
    };
    const later = () => {
      timer = setTimeout(() => {
        if (document.hidden) parked = true;
        else poll();
      }, BATCH_POLL_MS);
    };
    const shown = () => {
      if (!parked || document.hidden) return;
      parked = false;
      poll();
    };
    poll();
    document.addEventListener('visibilitychange', shown);
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', shown);
    };
  }, [http, id, round]);
  const replace = useCallback((batch: Batch) => {
    setState({ batch, notFound: false });
    if (!batch.finished) setRound((r) => r + 1);
  }, []);
  return { ...state, replace };
}
