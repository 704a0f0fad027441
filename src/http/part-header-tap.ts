/**
 * Watches the raw bytes of a multipart body and records, for each part in wire order, its
 * field name and whether it carried a `Content-Type` header. busboy reports a missing part
 * content type as `text/plain`, but OpenAI answers a file part without one with its own
 * error (`missing_file_mimetype`), so the difference has to be seen on the wire.
 * It only scans: it never buffers more than a boundary's length plus one header block.
 */
const HEADER_BLOCK_LIMIT_BYTES = 16 * 1024;
const HEADER_END = Buffer.from('\r\n\r\n');

export interface TappedPartHeader {
  readonly fieldName: string | null;
  readonly hasContentType: boolean;
}

export class PartHeaderTap {
  readonly parts: TappedPartHeader[] = [];
  private readonly delimiter: Buffer;
  /** The body's first boundary has no CRLF before it; pretend it had one. */
  private carry: Buffer = Buffer.from('\r\n');
  private mode: 'seeking' | 'headers' | 'gave-up' = 'seeking';

  constructor(boundary: string) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  write(chunk: Buffer): void {
    if (this.mode === 'gave-up') return;
    let buffer = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    for (;;) {
      if (this.mode === 'seeking') {
        const found = buffer.indexOf(this.delimiter);
        if (found === -1) {
          this.carry = Buffer.from(buffer.subarray(Math.max(0, buffer.length - this.delimiter.length + 1)));
          return;
        }
        buffer = buffer.subarray(found + this.delimiter.length);
        this.mode = 'headers';
      } else {
        const end = buffer.indexOf(HEADER_END);
        if (end === -1) {
          if (buffer.length > HEADER_BLOCK_LIMIT_BYTES) {
            this.mode = 'gave-up';
            return;
          }
          this.carry = Buffer.from(buffer);
          return;
        }
        this.recordHeaderBlock(buffer.subarray(0, end).toString('latin1'));
        buffer = buffer.subarray(end + HEADER_END.length);
        this.mode = 'seeking';
      }
    }
  }

  private recordHeaderBlock(block: string): void {
    // The closing delimiter is followed by `--`, not by headers.
    if (block.startsWith('--')) return;
    const lines = block.split('\r\n');
    const disposition = lines.find((line) => /^content-disposition\s*:/i.test(line));
    const nameMatch = disposition ? /;\s*name\s*=\s*"([^"]*)"/i.exec(disposition) ?? /;\s*name\s*=\s*([^;\s]+)/i.exec(disposition) : null;
    this.parts.push({
      fieldName: nameMatch ? nameMatch[1] : null,
      hasContentType: lines.some((line) => /^content-type\s*:\s*\S/i.test(line)),
    });
  }
}
