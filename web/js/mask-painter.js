/**
 * Mask painting on a canvas laid over the image. The canvas has the image's natural size, so
 * strokes are kept in image pixels whatever the display size; the CSS only scales it.
 * History is a list of operations (strokes and clears) replayed on undo.
 */

const paintColor = 'rgb(255, 0, 128)';

/**
 * @typedef {{ kind: 'stroke', mode: 'paint' | 'erase', widthInImagePixels: number, points: Array<[number, number]> }} StrokeOperation
 * @typedef {{ kind: 'clear' }} ClearOperation
 */

export class MaskPainter {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{ brushSizeInDisplayPixels: () => number, mode: () => 'paint' | 'erase', onChange: () => void }} options
   */
  constructor(canvas, { brushSizeInDisplayPixels, mode, onChange }) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d', { willReadFrequently: true });
    this.brushSizeInDisplayPixels = brushSizeInDisplayPixels;
    this.mode = mode;
    this.onChange = onChange;
    /** @type {Array<StrokeOperation | ClearOperation>} */
    this.operations = [];
    /** @type {StrokeOperation | null} */
    this.activeStroke = null;
    this.enabled = true;
    canvas.addEventListener('pointerdown', (event) => this.startStroke(event));
    canvas.addEventListener('pointermove', (event) => this.continueStroke(event));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture']) canvas.addEventListener(type, () => this.endStroke());
  }

  /** Starts over for an image of this natural size. */
  reset(naturalWidth, naturalHeight) {
    this.canvas.width = naturalWidth;
    this.canvas.height = naturalHeight;
    this.operations = [];
    this.activeStroke = null;
    this.redraw();
  }

  setEnabled(enabled) {
    this.enabled = enabled;
    this.canvas.classList.toggle('is-disabled', !enabled);
  }

  toImagePoint(event) {
    const bounds = this.canvas.getBoundingClientRect();
    return [((event.clientX - bounds.left) * this.canvas.width) / bounds.width, ((event.clientY - bounds.top) * this.canvas.height) / bounds.height];
  }

  startStroke(event) {
    if (!this.enabled || (event.pointerType === 'mouse' && event.button !== 0)) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.beginStrokeAt(this.toImagePoint(event));
  }

  continueStroke(event) {
    if (!this.activeStroke) return;
    const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [event];
    for (const each of events.length > 0 ? events : [event]) this.extendStrokeTo(this.toImagePoint(each));
  }

  /** Starts a stroke at an image point with the current brush size and mode (pointer or keyboard). */
  beginStrokeAt(point) {
    if (!this.enabled) return;
    const displayWidth = this.canvas.getBoundingClientRect().width || this.canvas.width;
    this.activeStroke = {
      kind: 'stroke',
      mode: this.mode(),
      widthInImagePixels: (this.brushSizeInDisplayPixels() * this.canvas.width) / displayWidth,
      points: [point],
    };
    this.operations.push(this.activeStroke);
    this.drawStroke(this.activeStroke, 0);
  }

  extendStrokeTo(point) {
    if (!this.activeStroke) return;
    this.activeStroke.points.push(point);
    this.drawStroke(this.activeStroke, this.activeStroke.points.length - 2);
  }

  isPainting() {
    return this.activeStroke !== null;
  }

  endStroke() {
    if (!this.activeStroke) return;
    this.activeStroke = null;
    this.onChange();
  }

  undo() {
    this.operations.pop();
    this.redraw();
    this.onChange();
  }

  clear() {
    if (!this.hasPaint()) return;
    this.operations.push({ kind: 'clear' });
    this.redraw();
    this.onChange();
  }

  canUndo() {
    return this.operations.length > 0;
  }

  /** Draws `stroke` from point index `fromIndex` on (the whole stroke when 0). */
  drawStroke(stroke, fromIndex) {
    const context = this.context;
    context.save();
    context.globalCompositeOperation = stroke.mode === 'erase' ? 'destination-out' : 'source-over';
    context.strokeStyle = paintColor;
    context.fillStyle = paintColor;
    context.lineWidth = stroke.widthInImagePixels;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    const points = stroke.points;
    if (fromIndex === 0) {
      context.beginPath();
      context.arc(points[0][0], points[0][1], stroke.widthInImagePixels / 2, 0, Math.PI * 2);
      context.fill();
    }
    if (points.length > 1) {
      context.beginPath();
      context.moveTo(points[Math.max(0, fromIndex)][0], points[Math.max(0, fromIndex)][1]);
      for (let index = Math.max(1, fromIndex + 1); index < points.length; index++) context.lineTo(points[index][0], points[index][1]);
      context.stroke();
    }
    context.restore();
  }

  redraw() {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    let start = 0;
    this.operations.forEach((operation, index) => {
      if (operation.kind === 'clear') start = index + 1;
    });
    for (const operation of this.operations.slice(start)) if (operation.kind === 'stroke') this.drawStroke(operation, 0);
  }

  /** How many image pixels are painted (coverage of at least half). */
  paintedPixelCount() {
    const coverage = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height).data;
    let count = 0;
    for (let offset = 3; offset < coverage.length; offset += 4) if (coverage[offset] >= 128) count++;
    return count;
  }

  hasPaint() {
    return this.paintedPixelCount() > 0;
  }

  /**
   * The mask the API expects: a PNG of the image's natural size whose painted pixels are fully
   * transparent (alpha 0) and every other pixel opaque. Coverage is thresholded at one half so
   * the anti-aliased rim of a stroke is either edited or kept, never "half".
   * @returns {Promise<Blob>}
   */
  exportMaskPng() {
    const { width, height } = this.canvas;
    const coverage = this.context.getImageData(0, 0, width, height).data;
    const mask = new ImageData(width, height);
    for (let offset = 0; offset < coverage.length; offset += 4) {
      mask.data[offset + 3] = coverage[offset + 3] >= 128 ? 0 : 255;
    }
    const output = document.createElement('canvas');
    output.width = width;
    output.height = height;
    output.getContext('2d').putImageData(mask, 0, 0);
    return new Promise((resolve, reject) => output.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('mask encoding failed'))), 'image/png'));
  }
}
