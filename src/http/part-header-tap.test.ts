import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartHeaderTap } from './part-header-tap.ts';

const boundary = 'XyZ';
const body = Buffer.from(
  `--${boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhello\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG--XyZ-not-a-boundary\r\n` +
    `--${boundary}\r\ncontent-disposition: form-data; name="mask"; filename="m.png"\r\n\r\nbytes\r\n` +
    `--${boundary}--\r\n`,
  'latin1',
);

const expected = [
  { fieldName: 'prompt', hasContentType: false },
  { fieldName: 'image', hasContentType: true },
  { fieldName: 'mask', hasContentType: false },
];

describe('PartHeaderTap', () => {
  it('records each part name and whether it had a content type', () => {
    const tap = new PartHeaderTap(boundary);
    tap.write(body);
    assert.deepEqual(tap.parts, expected);
  });

  it('gives the same answer whatever the chunking', () => {
    for (const size of [1, 2, 3, 7, 16, 64]) {
      const tap = new PartHeaderTap(boundary);
      for (let offset = 0; offset < body.length; offset += size) tap.write(body.subarray(offset, offset + size));
      assert.deepEqual(tap.parts, expected, `chunks of ${size}`);
    }
  });
});
