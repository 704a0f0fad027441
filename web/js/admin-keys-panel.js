/**
 * The keys panel: list (name, prefix, status, created, last used, limits, credit, spend),
 * create (secret shown once), revoke, and credit top-up (`POST /admin/keys/:id/credit`).
 * Limits, credit and spend appear when the server reports them (relay mode); before that
 * the columns show "—" and top-up is not offered.
 */
import { callApi } from './api-client.js';
import { badge, element, formatDateTime, formatUsd, labelCellsWithHeaders } from './format-values.js';

function describeLimits(limits) {
  if (!limits) return '—';
  const parts = [];
  if (limits.allowed_models) parts.push(`models: ${limits.allowed_models.length ? limits.allowed_models.join(', ') : 'none'}`);
  if (limits.requests_per_minute !== null && limits.requests_per_minute !== undefined) parts.push(`${limits.requests_per_minute}/min`);
  if (limits.max_concurrent_edits !== null && limits.max_concurrent_edits !== undefined) parts.push(`${limits.max_concurrent_edits} at once`);
  return parts.length ? parts.join(' · ') : 'none';
}

export class AdminKeysPanel {
  /** @param {{ adminKey: () => string, onUnauthorized: (message: string) => void }} options */
  constructor({ adminKey, onUnauthorized }) {
    this.adminKey = adminKey;
    this.onUnauthorized = onUnauthorized;
    const byId = (id) => document.getElementById(id);
    this.tableBody = byId('keys-table').querySelector('tbody');
    this.error = byId('keys-error');
    this.note = byId('keys-note');
    this.newKey = byId('new-key');
    byId('create-key-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.createKey(byId('new-key-name'));
    });
    byId('copy-new-key').addEventListener('click', () => this.copyNewKey(byId('new-key-secret'), byId('copy-new-key')));
    byId('dismiss-new-key').addEventListener('click', () => {
      this.newKey.hidden = true;
      byId('new-key-secret').textContent = '';
    });
  }

  /** Copies the new secret; where the clipboard API is unavailable (plain http), selects it instead. */
  async copyNewKey(secretElement, button) {
    try {
      await navigator.clipboard.writeText(secretElement.textContent ?? '');
      button.textContent = 'Copied';
    } catch {
      const range = document.createRange();
      range.selectNodeContents(secretElement);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      button.textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => (button.textContent = 'Copy'), 3000);
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = !message;
  }

  /** Handles a failed call: a refused admin key signs out, anything else is shown here. */
  failed(answer) {
    if (answer.status === 401 || answer.status === 403) this.onUnauthorized(answer.message);
    else this.showError(answer.message);
  }

  async refresh() {
    const answer = await callApi('/admin/keys', { key: this.adminKey() });
    if (!answer.ok) return this.failed(answer);
    this.render(answer.body.data);
  }

  render(keys) {
    const reportsSpend = keys.some((key) => 'spent_usd' in key);
    this.note.hidden = reportsSpend || keys.length === 0;
    this.note.textContent = 'Limits, credit and spend are not available on this server yet (relay mode adds them).';
    this.tableBody.replaceChildren(...keys.map((key) => this.row(key, reportsSpend)));
    if (keys.length === 0) {
      this.tableBody.append(element('tr', {}, [element('td', { text: 'No keys yet.', attributes: { colspan: '9' } })]));
    }
    labelCellsWithHeaders(this.tableBody.closest('table'));
  }

  row(key, reportsSpend) {
    const active = key.status === 'active';
    const actions = element('td');
    const actionBar = element('div', { className: 'key-actions' });
    actions.append(actionBar);
    if (active && reportsSpend) {
      const inputId = `top-up-${key.id}`;
      const amount = element('input', { attributes: { id: inputId, type: 'number', min: '0.01', step: '0.01', inputmode: 'decimal', placeholder: 'USD' } });
      const label = element('label', { text: `Top-up amount for ${key.name} in USD`, className: 'visually-hidden', attributes: { for: inputId } });
      const button = element('button', { text: 'Top up', attributes: { type: 'button', 'aria-label': `Top up key ${key.name}` } });
      button.addEventListener('click', () => this.topUp(key, amount));
      amount.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') this.topUp(key, amount);
      });
      actionBar.append(element('div', { className: 'top-up' }, [label, amount, button]));
    }
    if (active) {
      const revoke = element('button', { text: 'Revoke', className: 'danger', attributes: { type: 'button', 'aria-label': `Revoke key ${key.name}` } });
      revoke.addEventListener('click', () => this.revokeKey(key));
      actionBar.append(revoke);
    }
    const row = element('tr', { attributes: { 'data-key-id': key.id } }, [
      element('td', { text: key.name }),
      element('td', {}, [element('code', { text: key.prefix })]),
      element('td', {}, [badge(key.status)]),
      element('td', { text: formatDateTime(key.created_at), className: 'date' }),
      element('td', { text: formatDateTime(key.last_used_at), className: 'date' }),
      element('td', { text: describeLimits(key.limits), className: 'wrap' }),
      element('td', { text: !reportsSpend ? '—' : key.credit_usd === null ? 'unlimited' : formatUsd(key.credit_usd), className: 'number' }),
      element('td', { text: reportsSpend ? formatUsd(key.spent_usd) : '—', className: 'number' }),
      actions,
    ]);
    return row;
  }

  /** Offers the served models as checkboxes for a new key's `allowed_models`. */
  async loadModelChoices() {
    const container = document.getElementById('new-key-models');
    const answer = await callApi('/v1/models', { key: this.adminKey() });
    if (!answer.ok) return;
    container.replaceChildren(
      ...answer.body.data.flatMap((model) => {
        const id = `new-key-model-${model.id}`;
        const checkbox = element('input', { attributes: { id, type: 'checkbox', value: model.id } });
        return [element('span', { className: 'check-choice' }, [checkbox, element('label', { text: model.id, className: 'checkbox-label', attributes: { for: id } })])];
      }),
    );
  }

  /** The optional limit fields of the create form, only those filled in. */
  readNewKeyLimits() {
    const limits = {};
    const models = [...document.querySelectorAll('#new-key-models input:checked')].map((checkbox) => checkbox.value);
    if (models.length > 0) limits.allowed_models = models;
    const number = (id) => {
      const value = document.getElementById(id).value.trim();
      return value === '' ? undefined : Number(value);
    };
    const requestsPerMinute = number('new-key-rpm');
    const maxConcurrentEdits = number('new-key-concurrency');
    const creditUsd = number('new-key-credit');
    if (requestsPerMinute !== undefined) limits.requests_per_minute = requestsPerMinute;
    if (maxConcurrentEdits !== undefined) limits.max_concurrent_edits = maxConcurrentEdits;
    if (creditUsd !== undefined) limits.credit_usd = creditUsd;
    return limits;
  }

  resetNewKeyLimits() {
    for (const checkbox of document.querySelectorAll('#new-key-models input')) checkbox.checked = false;
    for (const id of ['new-key-rpm', 'new-key-concurrency', 'new-key-credit']) document.getElementById(id).value = '';
  }

  async createKey(nameInput) {
    this.showError('');
    const name = nameInput.value.trim();
    if (!name) return this.showError('Give the key a name.');
    const answer = await callApi('/admin/keys', { key: this.adminKey(), method: 'POST', json: { name, ...this.readNewKeyLimits() } });
    if (!answer.ok) return this.failed(answer);
    nameInput.value = '';
    this.resetNewKeyLimits();
    document.getElementById('new-key-label').textContent = answer.body.name;
    document.getElementById('new-key-secret').textContent = answer.body.key;
    this.newKey.hidden = false;
    await this.refresh();
  }

  async revokeKey(key) {
    this.showError('');
    if (!window.confirm(`Revoke key "${key.name}" (${key.prefix}…)? Requests with it are refused from now on.`)) return;
    const answer = await callApi(`/admin/keys/${encodeURIComponent(key.id)}`, { key: this.adminKey(), method: 'DELETE' });
    if (!answer.ok) return this.failed(answer);
    await this.refresh();
  }

  async topUp(key, amountInput) {
    this.showError('');
    const amount = Number(amountInput.value);
    if (!Number.isFinite(amount) || amount <= 0) return this.showError('Enter a positive amount in USD.');
    // A top-up turns an unlimited key into one with a balance: say so before doing it.
    if (key.credit_usd === null && !window.confirm(`Key "${key.name}" has unlimited credit. Topping up gives it a balance of ${formatUsd(amount)}, and it is refused once that is spent. Continue?`)) return;
    const answer = await callApi(`/admin/keys/${encodeURIComponent(key.id)}/credit`, { key: this.adminKey(), method: 'POST', json: { amount_usd: amount } });
    if (!answer.ok) {
      if (answer.status === 404 && answer.code !== 'key_not_found') return this.showError('Top-up is not available on this server yet.');
      return this.failed(answer);
    }
    await this.refresh();
  }
}
