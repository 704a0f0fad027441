/**
 * The results area: the original beside each edited image, every one with a download link,
 * and a live figure for partial images while a stream is under way.
 */

const extensions = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

function figure({ source, caption, downloadName, testId }) {
  const element = document.createElement('figure');
  element.className = 'result';
  element.dataset.testid = testId;
  const image = document.createElement('img');
  image.src = source;
  image.alt = caption;
  const figcaption = document.createElement('figcaption');
  const text = document.createElement('span');
  text.textContent = caption;
  figcaption.append(text);
  if (downloadName) {
    const link = document.createElement('a');
    link.href = source;
    link.download = downloadName;
    link.className = 'button-link';
    link.textContent = 'Download';
    link.setAttribute('aria-label', `Download ${caption.toLowerCase()}`);
    figcaption.append(link);
  }
  element.append(image, figcaption);
  return element;
}

function pendingFigure() {
  const element = document.createElement('figure');
  element.className = 'result';
  element.dataset.testid = 'pending';
  const box = document.createElement('div');
  box.className = 'pending-box';
  box.textContent = 'Editing…';
  const figcaption = document.createElement('figcaption');
  figcaption.textContent = 'Result';
  element.append(box, figcaption);
  return element;
}

export class ResultsView {
  /** @param {HTMLElement} container */
  constructor(container) {
    this.container = container;
    this.partialFigure = null;
  }

  /** Shows the original and a placeholder where the result will appear while an edit runs. */
  start({ originalUrl, originalName }) {
    this.partialFigure = pendingFigure();
    this.container.replaceChildren(figure({ source: originalUrl, caption: 'Original', downloadName: originalName, testId: 'original' }), this.partialFigure);
  }

  showPartialImage(image, index) {
    const caption = `Partial image ${index + 1}`;
    const next = figure({ source: image.source, caption, downloadName: null, testId: 'partial' });
    this.partialFigure.replaceWith(next);
    this.partialFigure = next;
  }

  /** @param {Array<{ source: string, mediaType: string }>} images */
  showResults(images) {
    this.partialFigure?.remove();
    this.partialFigure = null;
    images.forEach((image, index) => {
      const extension = extensions[image.mediaType] ?? 'png';
      this.container.append(
        figure({ source: image.source, caption: `Result ${index + 1}`, downloadName: `pixelgate-edit-${index + 1}.${extension}`, testId: 'result' }),
      );
    });
  }

  clearPartial() {
    this.partialFigure?.remove();
    this.partialFigure = null;
  }
}
