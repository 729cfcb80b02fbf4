// What the live client watches of the browser: whether it is online, and whether the tab is shown.

/** Whether the browser thinks it is online (tests pass their own). */
export interface OnlineSource {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Whether the tab is visible, and when it becomes visible again (tests pass their own). */
export interface VisibilitySource {
  isVisible(): boolean;
  subscribe(onVisible: () => void): () => void;
}

export const browserOnline: OnlineSource = {
  isOnline: () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
  subscribe(listener) {
    if (typeof window === 'undefined') return () => {};
    const on = () => listener(true);
    const off = () => listener(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  },
};

export const browserVisibility: VisibilitySource = {
  // Only a tab known to be hidden counts as hidden (a document without the API is shown).
  isVisible: () => typeof document === 'undefined' || document.visibilityState !== 'hidden',
  subscribe(onVisible) {
    if (typeof document === 'undefined') return () => {};
    const changed = () => document.visibilityState === 'visible' && onVisible();
    document.addEventListener('visibilitychange', changed);
    return () => document.removeEventListener('visibilitychange', changed);
  },
};
