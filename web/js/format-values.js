/** Display formats shared by the admin panels. */

export function formatDateTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (value) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formatUsd(amount) {
  if (amount === null || amount === undefined) return '—';
  const digits = Math.abs(amount) > 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  return `$${Number(amount).toFixed(digits)}`;
}

export function formatCount(count) {
  return Number(count ?? 0).toLocaleString('en-US');
}

export function formatMilliseconds(milliseconds) {
  if (milliseconds === null || milliseconds === undefined) return '—';
  return milliseconds >= 10_000 ? `${(milliseconds / 1000).toFixed(1)} s` : `${Math.round(milliseconds)} ms`;
}

/** Creates an element with text content (never HTML: every value shown may come from users). */
export function element(tagName, { text, className, attributes } = {}, children = []) {
  const created = document.createElement(tagName);
  if (text !== undefined) created.textContent = String(text);
  if (className) created.className = className;
  for (const [name, value] of Object.entries(attributes ?? {})) created.setAttribute(name, value);
  created.append(...children);
  return created;
}

export function badge(state) {
  return element('span', { text: state, className: 'badge', attributes: { 'data-state': state } });
}

/** Copies each column's header into its cells' `data-label`, for the stacked phone layout. */
export function labelCellsWithHeaders(table) {
  const headers = [...table.querySelectorAll('thead th')].map((header) => header.textContent.trim());
  for (const row of table.querySelectorAll('tbody tr')) {
    [...row.children].forEach((cell, index) => {
      if (!cell.hasAttribute('colspan')) cell.dataset.label = headers[index] ?? '';
    });
  }
}
