/** Left-aligned plain-text columns separated by two spaces, header first; trailing spaces trimmed. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column].length)));
  const formatRow = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd();
  return [headers, ...rows].map(formatRow).join('\n') + '\n';
}
