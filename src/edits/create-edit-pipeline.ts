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
import type { AdmissionStore } from '../shared-state/admission-store.ts';
import { InProcessAdmissionStore } from '../shared-state/in-process-admission-store.ts';
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
import { EditTasks } from './edit-tasks.ts';
import type { EditObserver } from './edit-run.ts';

export interface EditPipelineParts {
  readonly config: PixelgateConfig;
  readonly engines: ReadonlyMap<string, ImageEngine>;
  readonly blobStore: BlobStore;
  readonly signingSecret: Buffer;
  readonly usageLedger: UsageLedger | null;
  readonly clock: () => number;
  readonly log: SettlementLog;
  readonly seed?: number;
  /** Idempotency records and async tasks; absent: `Idempotency-Key` is refused, `Prefer: respond-async` not applied. */
  readonly editRecords: EditRecordStore | null;
  /** This process's id as the owner of leases (random when absent). */
  readonly nodeId?: string;
  /** Told of every settled edit (metrics). */
  readonly observer?: EditObserver;
  /** Where key rate and concurrency limits are counted; this process's memory when absent. */
  readonly admissionStore?: AdmissionStore;
}

export interface BuiltEditPipeline {
  readonly pipeline: EditPipeline;
  readonly router: ChannelRouter;
  readonly models: ServedModels;
  readonly tasks: EditTasks | null;
  /** Null without a usage ledger. */
  readonly billing: EditBilling | null;
}

export function createEditPipeline(parts: EditPipelineParts): BuiltEditPipeline {
  const { config, engines, clock } = parts;
  const router = ChannelRouter.fromConfig(config, engines, clock);
  const servedEntries = config.models.served.map((model) => {
    const primary = router.primaryChannelFor(model.id)!;
    return { id: model.id, rules: model.rules, engine: primary.name, engineModel: primary.upstreamModels.get(model.id) };
  });
  const models = new ServedModels(servedEntries, engines, config.models.defaultModel, config.models.defaultGptImageModel);
  const nodeId = parts.nodeId ?? `node_${randomBytes(8).toString('hex')}`;
  const billing = parts.usageLedger ? new EditBilling(parts.usageLedger, new PriceTable(config.billing), clock, parts.log, nodeId) : null;
  const leases = parts.editRecords ? new LeaseKeeper(parts.editRecords, nodeId, clock) : null;
  const tasks =
    parts.editRecords && leases
      ? new EditTasks({ store: parts.editRecords, leases, blobStore: parts.blobStore, billing, clock, retentionMs: config.tasks.retentionSeconds * 1000, log: parts.log })
      : null;
  const pipeline = new EditPipeline({
    models,
    router,
    accounting: parts.usageLedger && billing
      ? {
          ledger: parts.usageLedger,
          billing,
          admission: new KeyAdmission(
            parts.admissionStore ?? new InProcessAdmissionStore(),
            clock,
            (error) => parts.log.warn({ err: error }, 'key limits store did not answer'),
            config.sharedState.whenUnavailable,
          ),
        }
      : null,
    publisher: new ResultPublisher(parts.blobStore, parts.signingSecret, config.results.urlTtlSeconds, clock),
    maxInputPixels: config.images.maxInputPixels,
    clock,
    seed: parts.seed,
    tasks,
    observer: parts.observer,
    idempotency: parts.editRecords && leases
      ? {
          gate: new IdempotencyGate({
            store: parts.editRecords,
            leases,
            clock,
            retentionMs: config.idempotency.retentionSeconds * 1000,
            waitMs: config.idempotency.waitMs,
          }),
          blobStore: parts.blobStore,
          retentionMs: config.idempotency.retentionSeconds * 1000,
        }
      : null,
  });
  return { pipeline, router, models, tasks, billing };
}
