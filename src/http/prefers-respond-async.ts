/**
 * Whether a request's `Prefer` header (RFC 7240) asks for `respond-async`: preferences are
 * comma-separated, each a case-insensitive token with optional `=value` and `;` parameters,
 * and the header may be sent more than once.
 */
export function prefersRespondAsync(header: string | readonly string[] | undefined): boolean {
  if (header === undefined) return false;
  const values = typeof header === 'string' ? [header] : header;
  return values.some((value) =>
    value.split(',').some((preference) => preference.split(';')[0].split('=')[0].trim().toLowerCase() === 'respond-async'),
  );
}
