/**
 * Splits a text/event-stream body into events (`event:` name and `data:` text, multi-line data
 * joined with `\n`), as the WHATWG EventSource rules say. Comments and `id:`/`retry:` are ignored.
 */
import type { UpstreamStreamEvent } from './relay-edit-job.ts';

export async function* readServerSentEvents(body: AsyncIterable<Buffer | string>): AsyncGenerator<UpstreamStreamEvent> {
  let pending = '';
  let eventName = '';
  let dataLines: string[] = [];
  const decoder = new TextDecoder();
  const flush = (): UpstreamStreamEvent | null => {
    const event = dataLines.length > 0 ? { event: eventName || 'message', data: dataLines.join('\n') } : null;
    eventName = '';
    dataLines = [];
    return event;
  };
  for await (const chunk of body) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.search(/\r\n|\n|\r/)) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + (pending.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        const event = flush();
        if (event) yield event;
      } else if (line.startsWith(':')) {
        continue;
      } else {
        const colon = line.indexOf(':');
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') eventName = value;
        else if (field === 'data') dataLines.push(value);
      }
    }
  }
  const last = flush();
  if (last) yield last;
}
