/**
 * Small inline-SVG charts for the usage panel (no chart library): columns for a time series,
 * horizontal bars for categories. Each chart is an `img` with a text summary for screen
 * readers and a tooltip per bar.
 */
import { element } from './format-values.js';

const svgNamespace = 'http://www.w3.org/2000/svg';

function svgElement(tagName, attributes = {}, text) {
  const created = document.createElementNS(svgNamespace, tagName);
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, String(value));
  if (text !== undefined) created.textContent = text;
  return created;
}

function chartFigure(title, svg, rows, formatValue) {
  const summary = rows.length === 0 ? 'no data' : rows.map((row) => `${row.label}: ${formatValue(row.value)}`).join(', ');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `${title}: ${summary}`);
  const figure = element('figure', { className: 'chart' }, [element('figcaption', { text: title }), svg]);
  if (rows.length === 0) figure.append(element('p', { text: 'No requests in this range.', className: 'hint' }));
  return figure;
}

function truncate(label, maxLength) {
  return label.length > maxLength ? `${label.slice(0, maxLength - 1)}…` : label;
}

/**
 * Vertical columns, one per row (e.g. per day), labels thinned to fit.
 * @param {{ title: string, rows: Array<{ label: string, value: number }>, formatValue: (value: number) => string, seriesClass: string }} chart
 */
export function columnChart({ title, rows, formatValue, seriesClass }) {
  const width = 400;
  const height = 190;
  const margin = { left: 58, right: 8, top: 12, bottom: 28 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const maxValue = Math.max(0, ...rows.map((row) => row.value)) || 1;
  const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}` });
  svg.append(
    svgElement('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: margin.top + plotHeight, y2: margin.top + plotHeight }),
    svgElement('line', { class: 'axis', x1: margin.left, x2: width - margin.right, y1: margin.top, y2: margin.top, 'stroke-dasharray': '3 3' }),
    svgElement('text', { x: margin.left - 6, y: margin.top + 4, 'text-anchor': 'end' }, formatValue(maxValue)),
    svgElement('text', { x: margin.left - 6, y: margin.top + plotHeight, 'text-anchor': 'end' }, formatValue(0)),
  );
  const slot = plotWidth / Math.max(rows.length, 1);
  const labelEvery = Math.max(1, Math.ceil(rows.length / 7));
  rows.forEach((row, index) => {
    const barHeight = (row.value / maxValue) * plotHeight;
    const x = margin.left + index * slot + slot * 0.15;
    const bar = svgElement('rect', { class: seriesClass, x, y: margin.top + plotHeight - barHeight, width: Math.max(1, slot * 0.7), height: barHeight, rx: 2 });
    bar.append(svgElement('title', {}, `${row.label}: ${formatValue(row.value)}`));
    svg.append(bar);
    if (index % labelEvery === 0) {
      svg.append(svgElement('text', { x: x + (slot * 0.7) / 2, y: height - 8, 'text-anchor': 'middle' }, row.label.length === 10 ? row.label.slice(5) : truncate(row.label, 10)));
    }
  });
  return chartFigure(title, svg, rows, formatValue);
}

/**
 * Horizontal bars, one per row (e.g. per model or key), largest first.
 * @param {{ title: string, rows: Array<{ label: string, value: number }>, formatValue: (value: number) => string, seriesClass: string }} chart
 */
export function barChart({ title, rows, formatValue, seriesClass }) {
  const sorted = [...rows].sort((first, second) => second.value - first.value).slice(0, 12);
  const width = 400;
  const rowHeight = 26;
  const labelWidth = 130;
  const valueWidth = 64;
  const height = Math.max(1, sorted.length) * rowHeight + 8;
  const maxValue = Math.max(0, ...sorted.map((row) => row.value)) || 1;
  const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}` });
  sorted.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const barWidth = ((width - labelWidth - valueWidth) * row.value) / maxValue;
    svg.append(svgElement('text', { x: labelWidth - 8, y: y + 17, 'text-anchor': 'end' }, truncate(row.label, 16)));
    const bar = svgElement('rect', { class: seriesClass, x: labelWidth, y: y + 3, width: Math.max(1, barWidth), height: rowHeight - 8, rx: 2 });
    bar.append(svgElement('title', {}, `${row.label}: ${formatValue(row.value)}`));
    svg.append(bar, svgElement('text', { x: labelWidth + barWidth + 6, y: y + 17 }, formatValue(row.value)));
  });
  return chartFigure(title, svg, sorted, formatValue);
}
