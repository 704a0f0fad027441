/**
 * The models this server serves: configuration (`models.served`) joined with the capability
 * table and each engine's declared capabilities. Also derives the upload limits that the
 * multipart reader enforces before a model is known.
 */
import type { ImageEngine } from '../engines/engine.ts';
import { apiError } from './error-catalogue.ts';
import type { FormPart } from './form-parts.ts';
import { modelRulesByFamily, type FileRules } from './model-rules.ts';
import { fileRejection } from './validate-image-file.ts';
import type { ModelDirectory, ServedModel } from './parse-edit-request.ts';

export interface ServedModelEntry {
  readonly id: string;
  readonly rules: string;
  readonly engine: string;
  readonly engineModel?: string;
}

const FIELDS_ALLOWANCE_BYTES = 1024 * 1024;

export class ServedModels implements ModelDirectory {
  private readonly byId: ReadonlyMap<string, ServedModel>;

  constructor(
    entries: readonly ServedModelEntry[],
    engines: ReadonlyMap<string, ImageEngine>,
    readonly defaultModel: string,
    readonly defaultGptImageModel: string,
  ) {
    const byId = new Map<string, ServedModel>();
    for (const entry of entries) {
      const engine = engines.get(entry.engine);
      const rules = modelRulesByFamily[entry.rules];
      if (!engine || !rules) throw new Error(`model '${entry.id}': unknown engine '${entry.engine}' or rules '${entry.rules}'`);
      if (rules.passThrough && engine.capabilities.forwardsFields !== true) {
        throw new Error(`model '${entry.id}': rules 'pass-through' need a channel that forwards fields upstream; engine '${entry.engine}' does not`);
      }
      byId.set(entry.id, { id: entry.id, rules, engineId: entry.engine, engineModel: entry.engineModel ?? entry.id, capabilities: engine.capabilities });
    }
    this.byId = byId;
  }

  find(id: string): ServedModel | null {
    return this.byId.get(id) ?? null;
  }

  list(): ServedModel[] {
    return [...this.byId.values()];
  }

  /** The largest single file any served model accepts. */
  largestFileBytes(): number {
    return Math.max(...this.list().flatMap((model) => [model.rules.image.maxFileBytes, model.rules.mask.maxFileBytes]));
  }

  /** The largest body any served model's rules allow: all its images, its mask, its markup and the fields. */
  largestRequestBytes(): number {
    return Math.max(
      ...this.list().map(
        ({ rules }) => rules.image.maxCount * rules.image.maxFileBytes + rules.mask.maxFileBytes + (rules.markup?.maxFileBytes ?? 0) + FIELDS_ALLOWANCE_BYTES,
      ),
    );
  }

  /** The limit for the next file part, from the model named so far (the largest limit until then). */
  fileLimitFor(fieldName: string, partsSoFar: readonly FormPart[]) {
    const modelPart = partsSoFar.find((part) => part.kind === 'field' && part.fieldName === 'model');
    const model = modelPart?.kind === 'field' ? this.find(modelPart.value) : null;
    const param = fieldName === 'mask' || fieldName === 'markup' ? fieldName : 'image';
    if (!model) {
      const maxBytes = this.largestFileBytes();
      return { maxBytes, error: () => apiError('file_too_large', { param, limitBytes: maxBytes }) };
    }
    const rules: FileRules = (fieldName === 'mask' ? model.rules.mask : fieldName === 'markup' ? model.rules.markup : null) ?? model.rules.image;
    return { maxBytes: rules.maxFileBytes, error: () => fileRejection(rules, param) };
  }
}
