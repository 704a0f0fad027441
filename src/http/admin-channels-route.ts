/**
 * `GET /admin/channels` (admin key only): every channel — the built-in engine included — with
 * its circuit state as this process sees it: `up`, `failing` (recent failures, still taking
 * traffic or waiting for its probe) or `open` (out of rotation until `open_until`).
 */
import type { FastifyInstance } from 'fastify';
import type { ChannelRouter } from '../routing/channel-router.ts';

function isoOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

export function registerAdminChannelsRoute(app: FastifyInstance, router: ChannelRouter): void {
  app.get('/admin/channels', async () => ({
    object: 'list',
    data: router.views().map((view) => ({
      name: view.name,
      type: view.type,
      models: [...view.models],
      state: view.state,
      consecutive_failures: view.consecutiveFailures,
      last_error: view.lastError,
      last_error_at: isoOrNull(view.lastErrorAtMs),
      open_until: view.state === 'open' ? isoOrNull(view.openUntilMs) : null,
    })),
  }));
}
