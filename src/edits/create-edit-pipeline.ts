/**
 * Builds the edit pipeline from the configuration and the services it runs on: the channel
 * router, the served models (each taking its engine's capabilities from its highest-priority
 * channel) and, with a usage ledger, key admission and billing. The server and the tests
 * build it the same way.
 */
import { randomBytes } from 'node:crypto';
import type { EditRecordStore } from '../accounts/edit-record-store.ts';
import { IdempotencyGate } from './idempotency-gate.ts';
import { LeaseKeeper } from './lease-keeper.ts';
import { KeyAdmission } from '../accounts/key-admission.ts';
import type { UsageLedger } from '../accounts/usage-ledger.ts';
import { EditBilling, type SettlementLog } from '../billing/edit-billing.ts';
import { PriceTable } from '../billing/price-table.ts';
import type { PixelgateConfig } from '../config/config-schema.ts';
import type { ImageEngine } from '../engines/engine.ts';
import { ServedModels } from '../openai/model-directory.ts';
import { ChannelRouter } from '../routing/channel-router.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { ResultPublisher } from '../storage/result-publisher.ts';
import { EditPipeline } from './edit-pipeline.ts';

export interface EditPipelineParts {
  readonly config: PixelgateConfig;
  readonly engines: ReadonlyMap<string, ImageEngine>;
  readonly blobStore: BlobStore;
  readonly signingSecret: Buffer;
  readonly usageLedger: UsageLedger | null;
  readonly clock: () => number;
  readonly log: SettlementLog;
  readonly seed?: number;
  /** Idempotency records; absent: requests with `Idempotency-Key` are refused. */
  readonly editRecords: EditRecordStore | null;
}

export interface BuiltEditPipeline {
  readonly pipeline: EditPipeline;
  readonly router: ChannelRouter;
  readonly models: ServedModels;
}

export function createEditPipeline(parts: EditPipelineParts): BuiltEditPipeline {
  const { config, engines, clock } = parts;
  const router = ChannelRouter.fromConfig(config, engines, clock);
  const servedEntries = config.models.served.map((model) => {
    const primary = router.primaryChannelFor(model.id)!;
    return { id: model.id, rules: model.rules, engine: primary.name, engineModel: primary.upstreamModels.get(model.id) };
  });
  const models = new ServedModels(servedEntries, engines, config.models.defaultModel, config.models.defaultGptImageModel);
  const pipeline = new EditPipeline({
    models,
    router,
    accounting: parts.usageLedger
      ? { ledger: parts.usageLedger, billing: new EditBilling(parts.usageLedger, new PriceTable(config.billing), clock, parts.log), admission: new KeyAdmission(clock) }
      : null,
    publisher: new ResultPublisher(parts.blobStore, parts.signingSecret, config.results.urlTtlSeconds, clock),
    maxInputPixels: config.images.maxInputPixels,
    clock,
    seed: parts.seed,
    idempotency: parts.editRecords
      ? {
          gate: new IdempotencyGate({
            store: parts.editRecords,
            leases: new LeaseKeeper(parts.editRecords, `node_${randomBytes(8).toString('hex')}`, clock),
            clock,
            retentionMs: config.idempotency.retentionSeconds * 1000,
            waitMs: config.idempotency.waitMs,
          }),
          blobStore: parts.blobStore,
          retentionMs: config.idempotency.retentionSeconds * 1000,
        }
      : null,
  });
  return { pipeline, router, models };
}
