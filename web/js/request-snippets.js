/**
 * The playground's request as a curl command and as `openai` SDK (Node) code, built from the
 * same fields the page sends. The key is never written into a snippet: both read
 * `$PIXELGATE_KEY` from the environment.
 */

/**
 * @typedef {{ origin: string, model: string, prompt: string, imageFileName: string, imageType: string,
 *   sendsMask: boolean, optionFields: Array<[string, string]>, optionSchemas: Record<string, any> }} SnippetRequest
 */

function shellQuote(value) {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/** @param {SnippetRequest} request */
export function curlSnippet(request) {
  const streams = request.optionFields.some(([name, value]) => name === 'stream' && value === 'true');
  const lines = [`curl ${streams ? '--no-buffer ' : ''}${request.origin}/v1/images/edits`, `-H "Authorization: Bearer $PIXELGATE_KEY"`];
  lines.push(`-F model=${shellQuote(request.model)}`);
  lines.push(`-F ${shellQuote(`image=@${request.imageFileName}`)}`);
  if (request.sendsMask) lines.push('-F mask=@mask.png');
  lines.push(`-F ${shellQuote(`prompt=${request.prompt}`)}`);
  for (const [name, value] of request.optionFields) lines.push(`-F ${shellQuote(`${name}=${value}`)}`);
  return lines.join(' \\\n  ');
}

function sdkValue(name, value, optionSchemas) {
  const type = optionSchemas[name]?.type;
  if (type === 'integer' || type === 'number') return String(Number(value));
  if (type === 'boolean') return value === 'true' ? 'true' : 'false';
  return JSON.stringify(value);
}

/** @param {SnippetRequest} request */
export function nodeSdkSnippet(request) {
  const values = Object.fromEntries(request.optionFields);
  const streams = values.stream === 'true';
  const extension = values.output_format ?? 'png';
  const fileLine = (field, fileName, type) =>
    `  ${field}: await toFile(fs.createReadStream(${JSON.stringify(fileName)}), ${JSON.stringify(fileName)}, { type: ${JSON.stringify(type)} }),`;
  const lines = [
    "import fs from 'node:fs';",
    "import OpenAI, { toFile } from 'openai';",
    '',
    `const client = new OpenAI({ apiKey: process.env.PIXELGATE_KEY, baseURL: ${JSON.stringify(`${request.origin}/v1`)} });`,
    `const ${streams ? 'stream' : 'result'} = await client.images.edit({`,
    `  model: ${JSON.stringify(request.model)},`,
    fileLine('image', request.imageFileName, request.imageType),
  ];
  if (request.sendsMask) lines.push(fileLine('mask', 'mask.png', 'image/png'));
  lines.push(`  prompt: ${JSON.stringify(request.prompt)},`);
  for (const [name, value] of request.optionFields) lines.push(`  ${name}: ${sdkValue(name, value, request.optionSchemas)},`);
  lines.push('});');
  if (streams) {
    lines.push(
      'for await (const event of stream) {',
      "  if (event.type === 'image_edit.partial_image') console.log('partial', event.partial_image_index);",
      `  if (event.type === 'image_edit.completed') fs.writeFileSync('edited.${extension}', Buffer.from(event.b64_json, 'base64'));`,
      '}',
    );
  } else if (values.response_format === 'url' || (values.response_format === undefined && request.optionSchemas.response_format?.default === 'url')) {
    lines.push('for (const image of result.data) console.log(image.url);');
  } else {
    lines.push(`result.data.forEach((image, index) => fs.writeFileSync(\`edited-\${index}.${extension}\`, Buffer.from(image.b64_json, 'base64')));`);
  }
  return lines.join('\n');
}
