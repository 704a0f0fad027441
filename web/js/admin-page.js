/**
 * The admin page at `/admin`: a shell that shows nothing until the admin key is verified
 * against `GET /admin/keys`. The key stays in this tab (sessionStorage); a refusal from any
 * admin call signs out and shows the API's message.
 */
import { callApi } from './api-client.js';
import { AdminChannelsPanel } from './admin-channels-panel.js';
import { AdminKeysPanel } from './admin-keys-panel.js';
import { AdminUsagePanel } from './admin-usage-panel.js';
import { forgetKey, readStoredKey, storeKey } from './key-storage.js';

const keySlot = 'pixelgate.admin-key';
const byId = (id) => document.getElementById(id);
const signIn = byId('admin-sign-in');
const dashboard = byId('admin-dashboard');
const keyInput = byId('admin-key');
const keyStatus = byId('admin-key-status');
const keyError = byId('admin-key-error');
const signOutButton = byId('sign-out');
const refreshButton = byId('refresh-all');

let adminKey = '';

function showSignIn(errorMessage) {
  adminKey = '';
  forgetKey(keySlot);
  dashboard.hidden = true;
  // Drop everything the dashboard showed, so nothing stays in the page after a refusal.
  for (const body of dashboard.querySelectorAll('tbody')) body.replaceChildren();
  byId('usage-charts').replaceChildren();
  byId('channels').replaceChildren();
  byId('new-key-models').replaceChildren();
  byId('new-key').hidden = true;
  byId('new-key-secret').textContent = '';
  signIn.hidden = false;
  signOutButton.hidden = true;
  refreshButton.hidden = true;
  keyStatus.textContent = '';
  keyError.textContent = errorMessage ?? '';
  keyError.hidden = !errorMessage;
}

const panelOptions = { adminKey: () => adminKey, onUnauthorized: (message) => showSignIn(message) };
const keysPanel = new AdminKeysPanel(panelOptions);
const usagePanel = new AdminUsagePanel(panelOptions);
const channelsPanel = new AdminChannelsPanel(panelOptions);

async function verify(candidate) {
  keyError.hidden = true;
  keyStatus.textContent = 'Checking the key…';
  const answer = await callApi('/admin/keys', { key: candidate });
  if (!answer.ok) return showSignIn(answer.message);
  adminKey = candidate;
  storeKey(keySlot, candidate, { remember: false });
  keyInput.value = '';
  keyStatus.textContent = '';
  signIn.hidden = true;
  signOutButton.hidden = false;
  refreshButton.hidden = false;
  keysPanel.render(answer.body.data);
  dashboard.hidden = false;
  await Promise.all([keysPanel.loadModelChoices(), usagePanel.refresh(), channelsPanel.refresh()]);
}

byId('admin-key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const candidate = keyInput.value.trim();
  if (candidate) verify(candidate);
});
signOutButton.addEventListener('click', () => {
  showSignIn();
  keyInput.focus();
});

refreshButton.addEventListener('click', () => Promise.all([keysPanel.refresh(), usagePanel.refresh(), channelsPanel.refresh()]));

const stored = readStoredKey(keySlot);
if (stored) verify(stored);
