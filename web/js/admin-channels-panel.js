/**
 * Channel health from `GET /admin/channels`: each upstream channel with its state
 * (`up`, `failing`, `open` = taken out until `open_until`), failures in a row and last error.
 * A 404 means the server has no relay channels yet and is shown as a note.
 */
import { callApi } from './api-client.js';
import { badge, element, formatDateTime } from './format-values.js';

const stateDescriptions = { up: 'up', failing: 'failing', open: 'taken out' };

export class AdminChannelsPanel {
  /** @param {{ adminKey: () => string, onUnauthorized: (message: string) => void }} options */
  constructor({ adminKey, onUnauthorized }) {
    this.adminKey = adminKey;
    this.onUnauthorized = onUnauthorized;
    this.container = document.getElementById('channels');
    this.note = document.getElementById('channels-note');
  }

  async refresh() {
    const answer = await callApi('/admin/channels', { key: this.adminKey() });
    this.note.hidden = true;
    if (!answer.ok) {
      this.container.replaceChildren();
      if (answer.status === 401 || answer.status === 403) return this.onUnauthorized(answer.message);
      this.note.textContent = answer.status === 404 ? 'Not available on this server yet (relay mode adds upstream channels).' : answer.message;
      this.note.hidden = false;
      return;
    }
    const channels = answer.body.data;
    this.container.replaceChildren(...channels.map((channel) => this.card(channel)));
    if (channels.length === 0) this.container.append(element('p', { text: 'No upstream channels configured: every model runs on this server.', className: 'hint' }));
  }

  card(channel) {
    const stateBadge = badge(channel.state);
    stateBadge.textContent = stateDescriptions[channel.state] ?? channel.state;
    const lines = [
      element('h3', {}, [element('span', { text: channel.name }), stateBadge]),
      element('p', { text: `${channel.type} · ${(channel.models ?? []).join(', ') || 'no models'}` }),
      element('p', { text: `Failures in a row: ${channel.consecutive_failures ?? 0}` }),
    ];
    if (channel.state === 'open' && channel.open_until) lines.push(element('p', { text: `Taken out until ${formatDateTime(channel.open_until)}` }));
    if (channel.last_error) lines.push(element('p', { text: `Last error (${formatDateTime(channel.last_error_at)}): ${channel.last_error}`, className: 'hint' }));
    return element('article', { className: 'channel', attributes: { 'data-state': channel.state } }, lines);
  }
}
