/**
 * The usage panel: edits and cost per day, per model and per key
 * (`GET /admin/usage/summary?from&to&group_by=day|model|key`) as charts, and the most recent
 * requests (`GET /admin/usage/requests?limit=50`) as a table. Days are UTC days. A 404 means
 * the server has no usage ledger yet (relay mode adds it) and is shown as a note.
 */
import { callApi } from './api-client.js';
import { badge, element, formatCount, formatDateTime, formatMilliseconds, formatUsd, labelCellsWithHeaders } from './format-values.js';
import { barChart, columnChart } from './usage-charts.js';

const dayMilliseconds = 24 * 60 * 60 * 1000;
const notAvailable = 'Not available on this server yet (relay mode adds usage accounting).';

function utcDay(date) {
  return date.toISOString().slice(0, 10);
}

/** Every UTC day from `from` to `to` (YYYY-MM-DD, inclusive), at most 366. */
function daysBetween(from, to) {
  const days = [];
  for (let time = Date.parse(`${from}T00:00:00Z`); time <= Date.parse(`${to}T00:00:00Z`) && days.length < 366; time += dayMilliseconds) {
    days.push(utcDay(new Date(time)));
  }
  return days;
}

export class AdminUsagePanel {
  /** @param {{ adminKey: () => string, onUnauthorized: (message: string) => void }} options */
  constructor({ adminKey, onUnauthorized }) {
    this.adminKey = adminKey;
    this.onUnauthorized = onUnauthorized;
    const byId = (id) => document.getElementById(id);
    this.fromInput = byId('usage-from');
    this.toInput = byId('usage-to');
    this.charts = byId('usage-charts');
    this.note = byId('usage-note');
    this.error = byId('usage-error');
    this.requestsNote = byId('requests-note');
    this.requestsTable = byId('requests-table');
    const today = new Date();
    this.toInput.value = utcDay(today);
    this.fromInput.value = utcDay(new Date(today.getTime() - 13 * dayMilliseconds));
    byId('usage-range-form').addEventListener('submit', (event) => {
      event.preventDefault();
      this.refresh();
    });
  }

  async refresh() {
    await Promise.all([this.refreshSummary(), this.refreshRequests()]);
  }

  setNote(noteElement, text) {
    noteElement.textContent = text;
    noteElement.hidden = !text;
  }

  async refreshSummary() {
    this.setNote(this.note, '');
    this.error.hidden = true;
    const from = this.fromInput.value;
    const to = this.toInput.value;
    if (!from || !to || from > to) {
      this.error.textContent = 'Choose a start date on or before the end date.';
      this.error.hidden = false;
      return;
    }
    const range = `from=${encodeURIComponent(`${from}T00:00:00.000Z`)}&to=${encodeURIComponent(new Date(Date.parse(`${to}T00:00:00Z`) + dayMilliseconds).toISOString())}`;
    const [byDay, byModel, byKey] = await Promise.all(
      ['day', 'model', 'key'].map((groupBy) => callApi(`/admin/usage/summary?${range}&group_by=${groupBy}`, { key: this.adminKey() })),
    );
    const failure = [byDay, byModel, byKey].find((answer) => !answer.ok);
    if (failure) {
      this.charts.replaceChildren();
      if (failure.status === 401 || failure.status === 403) return this.onUnauthorized(failure.message);
      if (failure.status === 404) return this.setNote(this.note, notAvailable);
      this.error.textContent = failure.message;
      this.error.hidden = false;
      return;
    }
    const perDay = new Map(byDay.body.data.map((item) => [String(item.group).slice(0, 10), item]));
    const days = daysBetween(from, to).map((day) => ({ day, item: perDay.get(day) }));
    const dayRows = (field) => days.map(({ day, item }) => ({ label: day, value: Number(item?.[field] ?? 0) }));
    const groupRows = (data, field) => data.map((item) => ({ label: String(item.key_name ?? item.group), value: Number(item[field] ?? 0) }));
    this.charts.replaceChildren(
      columnChart({ title: 'Edits per day', rows: dayRows('edits'), formatValue: formatCount, seriesClass: 'bar-edits' }),
      columnChart({ title: 'Cost per day', rows: dayRows('cost_usd'), formatValue: formatUsd, seriesClass: 'bar-cost' }),
      barChart({ title: 'Edits per model', rows: groupRows(byModel.body.data, 'edits'), formatValue: formatCount, seriesClass: 'bar-edits' }),
      barChart({ title: 'Cost per model', rows: groupRows(byModel.body.data, 'cost_usd'), formatValue: formatUsd, seriesClass: 'bar-cost' }),
      barChart({ title: 'Edits per key', rows: groupRows(byKey.body.data, 'edits'), formatValue: formatCount, seriesClass: 'bar-edits' }),
      barChart({ title: 'Cost per key', rows: groupRows(byKey.body.data, 'cost_usd'), formatValue: formatUsd, seriesClass: 'bar-cost' }),
    );
  }

  async refreshRequests() {
    this.setNote(this.requestsNote, '');
    const answer = await callApi('/admin/usage/requests?limit=50', { key: this.adminKey() });
    const body = this.requestsTable.querySelector('tbody');
    if (!answer.ok) {
      this.requestsTable.hidden = true;
      if (answer.status === 401 || answer.status === 403) return this.onUnauthorized(answer.message);
      return this.setNote(this.requestsNote, answer.status === 404 ? notAvailable : answer.message);
    }
    this.requestsTable.hidden = false;
    const requests = answer.body.data;
    body.replaceChildren(
      ...requests.map((request) =>
        element('tr', {}, [
          element('td', { text: formatDateTime(request.created_at) }),
          element('td', { text: request.key_name ?? request.key_id ?? '—' }),
          element('td', { text: request.model ?? '—' }),
          element('td', { text: request.channel ?? '—' }),
          element('td', {}, [element('span', {}, [badge(String(request.status)), element('span', { text: request.http_status ? ` ${request.http_status}` : '' })])]),
          element('td', { text: formatMilliseconds(request.latency_ms), className: 'number' }),
          element('td', { text: formatCount(request.images), className: 'number' }),
          element('td', {
            text: formatCount(request.input_tokens ?? 0),
            className: 'number',
            attributes: { title: `text ${request.input_tokens_details?.text_tokens ?? 0}, image ${request.input_tokens_details?.image_tokens ?? 0}` },
          }),
          element('td', { text: formatCount(request.output_tokens ?? 0), className: 'number' }),
          element('td', { text: formatUsd(request.cost_usd), className: 'number' }),
          element('td', {}, [element('code', { text: request.request_id })]),
        ]),
      ),
    );
    if (requests.length === 0) body.append(element('tr', {}, [element('td', { text: 'No requests yet.', attributes: { colspan: '11' } })]));
    labelCellsWithHeaders(this.requestsTable);
  }
}
