// The signed-in token lives in this browser's localStorage: every tab of the app shares it.

const KEY = 'kiln.token';

export function readToken(): string | null {
  return localStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  localStorage.setItem(KEY, token.trim());
}

export function clearToken(): void {
  localStorage.removeItem(KEY);
}

/**
 * The sign-in link printed at first start carries the token in its fragment, which browsers never
 * send to a server. Takes it, and removes it from the address bar and history.
 */
export function takeTokenFromLink(): boolean {
  const match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) return false;
  saveToken(decodeURIComponent(match[1]));
  window.history.replaceState(null, '', '/');
  return true;
}
