/**
 * Painting the mask from the keyboard: with the canvas focused, the arrow keys move the brush
 * (Shift: four times further), Space or Enter starts and ends a stroke, Escape ends it. The
 * brush outline shows where the brush is, as it does under the mouse.
 */

export class KeyboardBrush {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {import('./mask-painter.js').MaskPainter} painter
   * @param {HTMLElement} cursor the brush outline, positioned in the stage
   * @param {() => number} brushSizeInDisplayPixels
   */
  constructor(canvas, painter, cursor, brushSizeInDisplayPixels) {
    Object.assign(this, { canvas, painter, cursor, brushSizeInDisplayPixels });
    /** @type {[number, number] | null} brush position in image pixels */
    this.position = null;
    canvas.tabIndex = 0;
    canvas.addEventListener('focus', () => {
      if (!this.position) this.position = [canvas.width / 2, canvas.height / 2];
      this.showCursor();
    });
    canvas.addEventListener('blur', () => {
      this.finishStroke();
      cursor.hidden = true;
    });
    canvas.addEventListener('keydown', (event) => this.onKeyDown(event));
  }

  /** Forgets the position (a new image). */
  reset() {
    this.position = null;
  }

  finishStroke() {
    if (this.painter.isPainting()) this.painter.endStroke();
  }

  showCursor() {
    const bounds = this.canvas.getBoundingClientRect();
    const scale = bounds.width / this.canvas.width;
    const size = `${this.brushSizeInDisplayPixels()}px`;
    Object.assign(this.cursor.style, { left: `${this.position[0] * scale}px`, top: `${this.position[1] * scale}px`, width: size, height: size });
    this.cursor.hidden = false;
  }

  onKeyDown(event) {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!this.position || !this.painter.enabled) return;
    if (event.key in moves) {
      event.preventDefault();
      const step = Math.max(1, Math.round(Math.min(this.canvas.width, this.canvas.height) / 50)) * (event.shiftKey ? 4 : 1);
      const [dx, dy] = moves[event.key];
      this.position = [
        Math.min(this.canvas.width, Math.max(0, this.position[0] + dx * step)),
        Math.min(this.canvas.height, Math.max(0, this.position[1] + dy * step)),
      ];
      this.painter.extendStrokeTo(this.position);
      this.showCursor();
    } else if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      if (this.painter.isPainting()) this.finishStroke();
      else this.painter.beginStrokeAt(this.position);
    } else if (event.key === 'Escape') {
      this.finishStroke();
    }
  }
}
