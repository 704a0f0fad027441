import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeSvg, svgSize } from './svg-facts.ts';

test('an SVG is recognised by its root element and sized by width/height or viewBox', () => {
  const svg = (root: string) => Buffer.from(`<?xml version="1.0"?>\n${root}<rect/></svg>`);
  assert.equal(looksLikeSvg(svg('<svg xmlns="http://www.w3.org/2000/svg">')), true);
  assert.equal(looksLikeSvg(Buffer.from('\uFEFF  <svg width="2" height="2"></svg>')), true);
  assert.equal(looksLikeSvg(Buffer.from('<html><svg></svg></html>')), false);
  assert.equal(looksLikeSvg(Buffer.from([0x89, 0x50, 0x4e, 0x47])), false);
  assert.deepEqual(svgSize(svg('<svg width="640px" height="480" xmlns="http://www.w3.org/2000/svg">')), { width: 640, height: 480 });
  assert.deepEqual(svgSize(svg('<svg viewBox="0 0 1536 1024">')), { width: 1536, height: 1024 });
  assert.deepEqual(svgSize(svg('<svg>')), { width: 1024, height: 1024 });
});
