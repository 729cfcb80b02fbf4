import { useCallback, useEffect, useState } from 'react';
import { useChanged } from './useChanged';

export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
  reload(): void;
  /** Replaces what was loaded (with what an action answered), without asking the server again. */
  set(data: T): void;
}

/** Loads once per change of deps; a slower earlier answer never overwrites a later one. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  if (useChanged([...deps, round])) setState((s) => (s.loading ? s : { ...s, loading: true }));
  useEffect(
    () => {
      let current = true;
      load().then(
        (data) => current && setState({ data, loading: false }),
        (error: unknown) => current && setState((s) => ({ data: s.data, error, loading: false })),
      );
      return () => {
        current = false;
      };
    },
    // The caller names what the load depends on (the linter checks it where useLoad is called).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [...deps, round],
  );
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { ...state, reload, set };
}

/**
 * What `load` answers, read again whenever deps change, 300 ms after the last change (a burst of
 * changes costs one request): `initial` until the first answer, and the last answer when a read
 * fails. For a side figure or list the page stays usable without.
 */
export function useQuietLoad<T>(load: () => Promise<T>, deps: readonly unknown[], initial: T): T {
  const [data, setData] = useState(initial);
  useEffect(
    () => {
      let current = true;
      const wait = setTimeout(() => {
        load().then(
          (answer) => current && setData(answer),
          () => undefined,
        );
      }, 300);
      return () => {
        current = false;
        clearTimeout(wait);
      };
    },
    // As for useLoad: the caller names what the load depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    deps,
  );
  return data;
}
