// What the live client watches of the browser: whether it is online, and whether the tab is shown.

/** Whether the browser thinks it is online (tests pass their own). */
export interface OnlineSource {
  isOnline(): boolean;
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Whether the tab is visible, and when it becomes visible again or hidden (tests pass their own). */
export interface VisibilitySource {
  isVisible(): boolean;
  subscribe(onVisible: () => void, onHidden?: () => void): () => void;
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
  subscribe(onVisible, onHidden) {
    if (typeof document === 'undefined') return () => {};
    const watched = document; // the one listened to is the one to stop listening to
    const changed = () => {
      if (watched.visibilityState === 'visible') onVisible();
      else if (watched.visibilityState === 'hidden') onHidden?.();
    };
    watched.addEventListener('visibilitychange', changed);
    return () => watched.removeEventListener('visibilitychange', changed);
  },
};
