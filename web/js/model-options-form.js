/**
 * Builds the option controls of one model from its request schema in `/openapi.json`
 * (`components.schemas["EditRequest_<model id>"]`): an enum becomes a select, an integer with
 * bounds a number input, a boolean a checkbox, any other string a text input. The schema's
 * default is preselected, and only values that differ from it are sent.
 */

/** Fields the page handles itself (files, model picker, prompt) or does not offer. */
const fieldsHandledElsewhere = new Set(['image', 'mask', 'model', 'prompt', 'user']);

/** What the playground prefers over the API default, when the model allows it. */
const preferredValues = { response_format: 'b64_json' };

/** Sent even when equal to the default: the page reads the answer in this shape. */
const alwaysSentFields = new Set(['response_format']);

const fieldLabels = {
  n: 'Number of images (n)',
  size: 'Size',
  response_format: 'Response format',
  output_format: 'Output format',
  output_compression: 'Output compression (%)',
  quality: 'Quality',
  background: 'Background',
  input_fidelity: 'Input fidelity',
  stream: 'Stream the answer',
  partial_images: 'Partial images',
};

function labelFor(name) {
  return fieldLabels[name] ?? name.replaceAll('_', ' ');
}

/**
 * @typedef {{ name: string, schema: any, element: HTMLInputElement | HTMLSelectElement, read: () => string | number | boolean }} OptionControl
 */

function createControl(name, schema, idPrefix) {
  const id = `${idPrefix}${name}`;
  const preferred = preferredValues[name];
  if (Array.isArray(schema.enum)) {
    const select = document.createElement('select');
    for (const value of schema.enum) select.append(new Option(value, value));
    select.value = preferred !== undefined && schema.enum.includes(preferred) ? preferred : (schema.default ?? schema.enum[0]);
    return { element: select, read: () => select.value, id };
  }
  if (schema.type === 'boolean') {
    const checkbox = document.createElement('input');
    checkbox.type = 'checkbox';
    checkbox.checked = schema.default === true;
    return { element: checkbox, read: () => checkbox.checked, id };
  }
  const input = document.createElement('input');
  if (schema.type === 'integer' || schema.type === 'number') {
    input.type = 'number';
    input.step = schema.type === 'integer' ? '1' : 'any';
    if (schema.minimum !== undefined) input.min = String(schema.minimum);
    if (schema.maximum !== undefined) input.max = String(schema.maximum);
    input.value = schema.default !== undefined ? String(schema.default) : '';
    return { element: input, read: () => (input.value === '' ? '' : Number(input.value)), id };
  }
  input.type = 'text';
  input.value = schema.default !== undefined ? String(schema.default) : '';
  input.spellcheck = false;
  if (schema.pattern) input.pattern = schema.pattern;
  return { element: input, read: () => input.value.trim(), id };
}

/**
 * Renders the controls for `requestSchema` into `container`.
 * @param {HTMLElement} container
 * @param {any} requestSchema
 * @param {() => void} onChange
 * @returns {OptionControl[]}
 */
export function renderModelOptions(container, requestSchema, onChange) {
  container.replaceChildren();
  const controls = [];
  for (const [name, schema] of Object.entries(requestSchema?.properties ?? {})) {
    if (fieldsHandledElsewhere.has(name)) continue;
    const { element, read, id } = createControl(name, schema, 'option-');
    element.id = id;
    element.name = name;
    const field = document.createElement('div');
    field.className = schema.type === 'boolean' ? 'field field-checkbox' : 'field';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = labelFor(name);
    if (schema.description) {
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.id = `${id}-hint`;
      hint.textContent = schema.description;
      element.setAttribute('aria-describedby', hint.id);
      if (schema.type === 'boolean') field.append(element, label, hint);
      else field.append(label, element, hint);
    } else if (schema.type === 'boolean') field.append(element, label);
    else field.append(label, element);
    element.addEventListener('input', onChange);
    element.addEventListener('change', onChange);
    container.append(field);
    controls.push({ name, schema, element, read });
  }
  return controls;
}

/**
 * The fields to send: every value that differs from the schema's default (the API applies its
 * defaults itself) plus `response_format`, except values that depend on another field being set.
 * @param {OptionControl[]} controls
 * @returns {Array<[string, string]>}
 */
export function selectedOptionFields(controls) {
  const values = Object.fromEntries(controls.map((control) => [control.name, control.read()]));
  const fields = [];
  for (const control of controls) {
    const value = values[control.name];
    if (value === '' || (value === control.schema.default && !alwaysSentFields.has(control.name))) continue;
    if (control.name === 'partial_images' && values.stream !== true) continue;
    if (control.name === 'output_compression' && values.output_format === 'png') continue;
    fields.push([control.name, String(value)]);
  }
  return fields;
}

/** Enables or disables controls that only mean something with another field set. */
export function updateDependentControls(controls) {
  const values = Object.fromEntries(controls.map((control) => [control.name, control.read()]));
  for (const control of controls) {
    if (control.name === 'partial_images') control.element.disabled = values.stream !== true;
    if (control.name === 'output_compression') control.element.disabled = values.output_format === 'png';
  }
}
