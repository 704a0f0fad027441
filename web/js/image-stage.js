/**
 * Picking or dropping the image to edit, and the stage that shows it under the mask canvas.
 * The stage shows the file's stored pixels (CSS `image-orientation: none`) at a size that fits
 * the column and the window; small images are scaled up so they can be painted.
 */
import { readImageDimensions } from './read-image-dimensions.js';

const acceptedImageTypes = ['image/png', 'image/jpeg', 'image/webp'];

/**
 * @typedef {{ file: File, url: string, width: number, height: number, hasTransparency: boolean, rotatedByExif: boolean }} LoadedImage
 */

function scanForTransparency(image) {
  const canvas = document.createElement('canvas');
  const scale = Math.min(1, 512 / Math.max(image.naturalWidth, image.naturalHeight));
  canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
  canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(image, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let offset = 3; offset < pixels.length; offset += 4) if (pixels[offset] === 0) return true;
  return false;
}

export class ImageStage {
  /**
   * @param {{ fileInput: HTMLInputElement, dropZone: HTMLElement, stage: HTMLElement, preview: HTMLImageElement,
   *   onLoaded: (image: LoadedImage) => void, onError: (message: string) => void }} options
   */
  constructor({ fileInput, dropZone, stage, preview, onLoaded, onError }) {
    Object.assign(this, { fileInput, dropZone, stage, preview, onLoaded, onError });
    /** @type {LoadedImage | null} */
    this.loaded = null;
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      if (file) this.load(file);
    });
    for (const type of ['dragenter', 'dragover']) {
      dropZone.addEventListener(type, (event) => {
        event.preventDefault();
        dropZone.classList.add('is-dragging');
      });
    }
    for (const type of ['dragleave', 'drop']) dropZone.addEventListener(type, () => dropZone.classList.remove('is-dragging'));
    dropZone.addEventListener('drop', (event) => {
      event.preventDefault();
      const file = event.dataTransfer?.files?.[0];
      if (file) this.load(file);
    });
    window.addEventListener('resize', () => this.fit());
  }

  /** Scales the preview to the column width and 70% of the window height; small images up to 480 px wide. */
  fit() {
    if (!this.loaded) return;
    const { width, height } = this.loaded;
    const available = this.stage.parentElement.clientWidth;
    const scale = Math.min(available / width, (window.innerHeight * 0.7) / height, Math.max(1, 480 / width));
    this.preview.style.width = `${Math.floor(width * scale)}px`;
  }

  /** @param {File} file */
  async load(file) {
    if (!acceptedImageTypes.includes(file.type)) return this.onError(`${file.name} is not a PNG, JPEG or WebP image.`);
    const storedSize = await readImageDimensions(file);
    if (this.loaded) URL.revokeObjectURL(this.loaded.url);
    const url = URL.createObjectURL(file);
    const preview = this.preview;
    preview.onload = () => {
      // Browsers report sizes after EXIF rotation; the API edits (and sizes the mask by) the stored pixels.
      const { width, height } = storedSize ?? { width: preview.naturalWidth, height: preview.naturalHeight };
      this.loaded = {
        file,
        url,
        width,
        height,
        hasTransparency: scanForTransparency(preview),
        rotatedByExif: width !== preview.naturalWidth || height !== preview.naturalHeight,
      };
      this.stage.hidden = false;
      this.fit();
      this.onLoaded(this.loaded);
    };
    preview.onerror = () => this.onError(`${file.name} could not be read as an image.`);
    preview.src = url;
  }
}
