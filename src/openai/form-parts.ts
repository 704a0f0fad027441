/**
 * A multipart body as the edit request parser sees it: parts in wire order, files already
 * spooled to disk by the HTTP layer.
 */
export interface FormFilePart {
  readonly kind: 'file';
  readonly fieldName: string;
  readonly filename: string;
  /** Null when the part had no Content-Type header at all. */
  readonly contentType: string | null;
  readonly path: string;
  readonly byteLength: number;
  /** The file's first bytes (at most IMAGE_HEADER_BYTES), for format sniffing. */
  readonly header: Buffer;
}

export interface FormTextPart {
  readonly kind: 'field';
  readonly fieldName: string;
  readonly value: string;
}

export type FormPart = FormFilePart | FormTextPart;
