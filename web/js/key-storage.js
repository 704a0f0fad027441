/**
 * Where the console keeps API keys: only in this browser. sessionStorage by default (gone when
 * the tab closes); localStorage when the user asks to be remembered. Keys are never sent anywhere
 * but this server's own API.
 */

/** @param {string} name storage slot, e.g. "pixelgate.api-key" */
export function readStoredKey(name) {
  return sessionStorage.getItem(name) ?? localStorage.getItem(name) ?? '';
}

/**
 * @param {string} name
 * @param {string} key
 * @param {{ remember: boolean }} options remember: also keep it after the tab closes
 */
export function storeKey(name, key, { remember }) {
  sessionStorage.setItem(name, key);
  if (remember) localStorage.setItem(name, key);
  else localStorage.removeItem(name);
}

export function isKeyRemembered(name) {
  return localStorage.getItem(name) !== null;
}

export function forgetKey(name) {
  sessionStorage.removeItem(name);
  localStorage.removeItem(name);
}
