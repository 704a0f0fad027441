/**
 * The edit playground at `/`: key, image, mask painting, model options from `/openapi.json`,
 * submission with progress, results and a live code snippet.
 */
import { callApi } from './api-client.js';
import { ImageStage } from './image-stage.js';
import { submitEdit } from './edit-submission.js';
import { readStoredKey, storeKey, isKeyRemembered } from './key-storage.js';
import { KeyboardBrush } from './keyboard-brush.js';
import { MaskPainter } from './mask-painter.js';
import { renderModelOptions, selectedOptionFields, updateDependentControls } from './model-options-form.js';
import { curlSnippet, nodeSdkSnippet } from './request-snippets.js';
import { ResultsView } from './results-view.js';
import { setupSnippetTabs } from './snippet-tabs.js';

const keySlot = 'pixelgate.api-key';

const byId = (id) => document.getElementById(id);
const elements = {
  keyForm: byId('key-form'),
  keyInput: byId('api-key'),
  rememberKey: byId('remember-key'),
  keyStatus: byId('key-status'),
  dropZone: byId('drop-zone'),
  imageFile: byId('image-file'),
  imageFacts: byId('image-facts'),
  maskStage: byId('mask-stage'),
  sourcePreview: byId('source-preview'),
  maskCanvas: byId('mask-canvas'),
  brushTools: byId('brush-tools'),
  brushSize: byId('brush-size'),
  brushSizeValue: byId('brush-size-value'),
  undoStroke: byId('undo-stroke'),
  clearMask: byId('clear-mask'),
  useImageAlpha: byId('use-image-alpha'),
  maskStatus: byId('mask-status'),
  editForm: byId('edit-form'),
  model: byId('model'),
  prompt: byId('prompt'),
  modelOptions: byId('model-options'),
  submitEdit: byId('submit-edit'),
  cancelEdit: byId('cancel-edit'),
  editStatus: byId('edit-status'),
  editError: byId('edit-error'),
  results: byId('results'),
  snippetCurl: byId('snippet-curl'),
  snippetNode: byId('snippet-node'),
};

const state = {
  key: '',
  /** @type {Record<string, any>} request schema per model id, from /openapi.json */
  requestSchemas: {},
  optionControls: [],
  /** @type {File | null} */
  imageFile: null,
  imageUrl: '',
  imageHasTransparency: false,
  /** Painted image pixels, counted after each mask change. */
  paintedPixels: 0,
  /** @type {AbortController | null} */
  running: null,
};

const painter = new MaskPainter(elements.maskCanvas, {
  brushSizeInDisplayPixels: () => Number(elements.brushSize.value),
  mode: () => (byId('mode-erase').checked ? 'erase' : 'paint'),
  onChange: () => updateMaskStatus(),
});

function setStatus(element, text, kind = '') {
  element.textContent = text;
  element.dataset.kind = kind;
}

function showError(message) {
  elements.editError.textContent = message;
  elements.editError.hidden = !message;
}

// ---- key and models ----

async function loadModels() {
  setStatus(elements.keyStatus, 'Checking the key…');
  const [models, openApi] = await Promise.all([callApi('/v1/models', { key: state.key }), fetch('/openapi.json').then((response) => response.json()).catch(() => null)]);
  if (!models.ok) {
    setStatus(elements.keyStatus, models.message, 'error');
    elements.model.replaceChildren(new Option('Enter a valid key to load models', ''));
    elements.model.disabled = true;
    return;
  }
  state.requestSchemas = {};
  for (const [name, schema] of Object.entries(openApi?.components?.schemas ?? {})) {
    if (name.startsWith('EditRequest_')) state.requestSchemas[name.slice('EditRequest_'.length)] = schema;
  }
  const ids = models.body.data.map((model) => model.id);
  const previous = elements.model.value;
  elements.model.replaceChildren(...ids.map((id) => new Option(id, id)));
  elements.model.value = ids.includes(previous) ? previous : ids.includes('pixelgate-fill') ? 'pixelgate-fill' : ids[0];
  elements.model.disabled = false;
  setStatus(elements.keyStatus, `Key accepted: ${ids.length} model${ids.length === 1 ? '' : 's'} available.`, 'ok');
  renderOptions();
}

function renderOptions() {
  const schema = state.requestSchemas[elements.model.value];
  state.optionControls = renderModelOptions(elements.modelOptions, schema, () => {
    updateDependentControls(state.optionControls);
    updateSnippets();
  });
  updateDependentControls(state.optionControls);
  const promptSchema = schema?.properties?.prompt;
  if (promptSchema?.maxLength) elements.prompt.maxLength = promptSchema.maxLength;
  updateSnippets();
}

elements.keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  state.key = elements.keyInput.value.trim();
  if (!state.key) return;
  storeKey(keySlot, state.key, { remember: elements.rememberKey.checked });
  loadModels();
});
elements.model.addEventListener('change', renderOptions);

// ---- image and mask ----

new ImageStage({
  fileInput: elements.imageFile,
  dropZone: elements.dropZone,
  stage: elements.maskStage,
  preview: elements.sourcePreview,
  onError: showError,
  onLoaded: (image) => {
    showError('');
    state.imageFile = image.file;
    state.imageUrl = image.url;
    state.imageHasTransparency = image.hasTransparency;
    painter.reset(image.width, image.height);
    keyboardBrush.reset();
    elements.brushTools.disabled = false;
    elements.imageFacts.textContent =
      `${image.file.name} — ${image.width}×${image.height}, ${image.file.type.slice(6).toUpperCase()}, ${(image.file.size / 1024).toFixed(1)} KB` +
      `${image.hasTransparency ? ', has transparent pixels' : ''}` +
      `${image.rotatedByExif ? '. Shown as stored: the API edits the stored pixels and does not apply the EXIF rotation' : ''}`;
    updateMaskStatus();
    updateSnippets();
  },
});

function updateMaskStatus() {
  const usesAlpha = elements.useImageAlpha.checked;
  painter.setEnabled(!usesAlpha);
  const painted = state.imageFile ? painter.paintedPixelCount() : 0;
  state.paintedPixels = painted;
  elements.undoStroke.disabled = usesAlpha || !painter.canUndo();
  elements.clearMask.disabled = usesAlpha || painted === 0;
  if (!state.imageFile) return;
  if (usesAlpha) {
    elements.maskStatus.textContent = state.imageHasTransparency
      ? 'No mask is sent: the image’s transparent pixels are the region to edit.'
      : 'This image has no transparent pixels; the API will say so. Paint a mask instead.';
  } else {
    const total = elements.maskCanvas.width * elements.maskCanvas.height;
    elements.maskStatus.textContent = painted === 0 ? 'Paint over the region to edit.' : `${((painted * 100) / total).toFixed(1)}% of the image painted.`;
  }
  updateSnippets();
}

const brushCursor = byId('brush-cursor');
const keyboardBrush = new KeyboardBrush(elements.maskCanvas, painter, brushCursor, () => Number(elements.brushSize.value));
elements.maskCanvas.addEventListener('pointermove', (event) => {
  if (event.pointerType !== 'mouse' || elements.useImageAlpha.checked) return;
  const bounds = elements.maskCanvas.getBoundingClientRect();
  const size = `${elements.brushSize.value}px`;
  Object.assign(brushCursor.style, { left: `${event.clientX - bounds.left}px`, top: `${event.clientY - bounds.top}px`, width: size, height: size });
  brushCursor.hidden = false;
});
elements.maskCanvas.addEventListener('pointerleave', () => (brushCursor.hidden = true));

elements.brushSize.addEventListener('input', () => (elements.brushSizeValue.textContent = `${elements.brushSize.value} px`));
elements.undoStroke.addEventListener('click', () => painter.undo());
elements.clearMask.addEventListener('click', () => painter.clear());
elements.useImageAlpha.addEventListener('change', updateMaskStatus);
document.addEventListener('keydown', (event) => {
  const typing = event.target instanceof HTMLElement && event.target.matches('input[type=text], input[type=password], input[type=number], textarea');
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'z' && !typing && state.imageFile) {
    event.preventDefault();
    painter.undo();
  }
});

// ---- snippets ----

function snippetRequest() {
  return {
    origin: window.location.origin,
    model: elements.model.value || 'pixelgate-fill',
    prompt: elements.prompt.value,
    imageFileName: state.imageFile?.name ?? 'image.png',
    imageType: state.imageFile?.type ?? 'image/png',
    sendsMask: !elements.useImageAlpha.checked,
    optionFields: selectedOptionFields(state.optionControls),
    optionSchemas: state.requestSchemas[elements.model.value]?.properties ?? {},
  };
}

function updateSnippets() {
  const request = snippetRequest();
  elements.snippetCurl.textContent = curlSnippet(request);
  elements.snippetNode.textContent = nodeSdkSnippet(request);
}
elements.prompt.addEventListener('input', updateSnippets);

// ---- submission ----

function formatSeconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

async function runEdit() {
  showError('');
  if (!state.key) return showError('Enter an API key first.');
  if (!elements.model.value) return showError('No model loaded: check the key.');
  if (!state.imageFile) return showError('Choose an image first.');
  if (!elements.prompt.value.trim()) return showError('Type a prompt.');
  const usesAlpha = elements.useImageAlpha.checked;
  if (!usesAlpha && state.paintedPixels === 0) return showError('Paint over the region to edit, or use the image’s own transparency.');

  const optionFields = selectedOptionFields(state.optionControls);
  const form = new FormData();
  form.append('model', elements.model.value);
  form.append('image', state.imageFile, state.imageFile.name);
  if (!usesAlpha) form.append('mask', await painter.exportMaskPng(), 'mask.png');
  form.append('prompt', elements.prompt.value);
  for (const [name, value] of optionFields) form.append(name, value);
  const values = Object.fromEntries(optionFields);

  const controller = new AbortController();
  state.running = controller;
  elements.submitEdit.disabled = true;
  elements.cancelEdit.hidden = false;
  const results = new ResultsView(elements.results);
  results.start({ originalUrl: state.imageUrl, originalName: state.imageFile.name });
  const startedAt = performance.now();
  let partials = 0;
  const tick = () => setStatus(elements.editStatus, `Editing… ${formatSeconds(performance.now() - startedAt)}${partials ? ` · ${partials} partial image${partials === 1 ? '' : 's'}` : ''}`, 'busy');
  tick();
  const timer = setInterval(tick, 100);
  const outcome = await submitEdit({
    key: state.key,
    form,
    streams: values.stream === 'true',
    outputFormat: values.output_format ?? 'png',
    signal: controller.signal,
    onPartialImage: (image, index) => {
      partials++;
      results.showPartialImage(image, index);
    },
  });
  clearInterval(timer);
  state.running = null;
  elements.submitEdit.disabled = false;
  elements.cancelEdit.hidden = true;
  const elapsed = formatSeconds(performance.now() - startedAt);
  if (outcome.ok) {
    results.showResults(outcome.images);
    const partialNote = partials ? ` after ${partials} partial image${partials === 1 ? '' : 's'}` : '';
    setStatus(elements.editStatus, `Done in ${elapsed}: ${outcome.images.length} image${outcome.images.length === 1 ? '' : 's'}${partialNote}.`, 'ok');
  } else {
    results.clearPartial();
    setStatus(elements.editStatus, `Failed after ${elapsed}.`, 'error');
    showError(outcome.message);
  }
}

elements.editForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!state.running) runEdit();
});
elements.cancelEdit.addEventListener('click', () => state.running?.abort());

// ---- start ----

setupSnippetTabs([byId('tab-curl'), byId('tab-node')]);
state.key = readStoredKey(keySlot);
elements.rememberKey.checked = isKeyRemembered(keySlot);
updateMaskStatus();
updateSnippets();
if (state.key) {
  elements.keyInput.value = state.key;
  loadModels();
}
