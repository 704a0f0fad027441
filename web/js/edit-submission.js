/**
 * Sends one `POST /v1/images/edits` from the playground and reads the answer: JSON
 * (`{data:[{b64_json|url}]}`) or, with `stream=true`, Server-Sent Events
 * (`image_edit.partial_image` … `image_edit.completed`, or one `error` frame).
 */
import { callApi } from './api-client.js';

/**
 * @typedef {{ source: string, mediaType: string }} EditedImage  source: a data: URL or a result URL
 * @typedef {{ ok: true, images: EditedImage[] } | { ok: false, message: string, status: number }} EditOutcome
 */

const mediaTypes = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

function mediaTypeOf(outputFormat) {
  return mediaTypes[outputFormat] ?? 'image/png';
}

function imageFromBase64(base64, outputFormat) {
  const mediaType = mediaTypeOf(outputFormat);
  return { source: `data:${mediaType};base64,${base64}`, mediaType };
}

/** Splits an SSE byte stream into `{ event, data }` frames. */
async function* readServerSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    let boundary;
    while ((boundary = buffered.indexOf('\n\n')) !== -1) {
      const block = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      let event = 'message';
      const dataLines = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) dataLines.push(line.slice(5).trimStart());
      }
      if (dataLines.length > 0) yield { event, data: dataLines.join('\n') };
    }
  }
}

/**
 * @param {{ key: string, form: FormData, streams: boolean, outputFormat: string, signal: AbortSignal,
 *   onPartialImage: (image: EditedImage, index: number) => void }} submission
 * @returns {Promise<EditOutcome>}
 */
export async function submitEdit({ key, form, streams, outputFormat, signal, onPartialImage }) {
  const answer = await callApi('/v1/images/edits', { key, method: 'POST', body: form, signal, raw: streams });
  if (!answer.ok) return { ok: false, message: answer.message, status: answer.status };
  if (!streams) {
    const format = answer.body.output_format ?? outputFormat;
    return {
      ok: true,
      images: answer.body.data.map((item) => (item.b64_json ? imageFromBase64(item.b64_json, format) : { source: item.url, mediaType: mediaTypeOf(format) })),
    };
  }
  const images = [];
  try {
    for await (const frame of readServerSentEvents(answer.response.body)) {
      const payload = JSON.parse(frame.data);
      if (frame.event === 'error' || payload.type === 'error') return { ok: false, message: payload.error?.message ?? 'The stream failed.', status: 200 };
      const format = payload.output_format ?? outputFormat;
      if (payload.type === 'image_edit.partial_image') onPartialImage(imageFromBase64(payload.b64_json, format), payload.partial_image_index);
      if (payload.type === 'image_edit.completed') images.push(imageFromBase64(payload.b64_json, format));
    }
  } catch (error) {
    if (error && error.name === 'AbortError') return { ok: false, message: 'Cancelled.', status: 0 };
    return { ok: false, message: `The stream broke off: ${error && error.message ? error.message : error}`, status: 0 };
  }
  if (images.length === 0) return { ok: false, message: 'The stream ended without a completed image.', status: 200 };
  return { ok: true, images };
}
