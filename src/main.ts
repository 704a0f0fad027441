/**
 * Starts Pixelgate: loads and checks the configuration, opens the services, creates a first
 * key on a brand-new install, listens, sweeps expired results, and shuts down gracefully on
 * SIGTERM/SIGINT (in-flight requests finish within `server.shutdownGraceMs`).
 */
import { createApp, PIXELGATE_VERSION } from './app.ts';
import { ConfigError, loadConfig } from './config/load-config.ts';
import { openServices } from './open-services.ts';
import sharp from 'sharp';

// Every input is new: libvips' operation cache (50 MB, 100 operations) only holds memory here.
sharp.cache(false);

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pixelgate: ${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const opened = await openServices(config);
  const { services } = opened;
  const app = await createApp(services);

  if (!config.adminKey && (await services.keyStore.count()) === 0) {
    const created = await services.keyStore.create({ name: 'first-key' });
    process.stdout.write(
      `\nPixelgate created your first API key (shown only this once; keep it):\n\n    ${created.key}\n\n` +
        `Create more with: npx pixelgate keys create --name <name>\n\n`,
    );
  }

  const sweep = setInterval(() => {
    services.blobStore.sweepExpired(Date.now()).catch((error) => app.log.error({ err: error }, 'result sweep failed'));
    services.editRecords?.deleteExpired(Date.now()).catch((error) => app.log.error({ err: error }, 'idempotency record sweep failed'));
    // The files' bytes expire in the result store on their own; their records go here.
    services.fileStore?.deleteExpired(Date.now()).catch((error) => app.log.error({ err: error }, 'uploaded file sweep failed'));
  }, config.results.sweepIntervalMs);
  sweep.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    clearInterval(sweep);
    const forced = setTimeout(() => process.exit(1), config.server.shutdownGraceMs);
    forced.unref();
    await app.close();
    await opened.close();
    process.exit(0);
  };
  // Before listening: a signal that arrives the moment the address is printed must find its handler.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const address = await app.listen({ host: config.server.host, port: config.server.port });
  process.stdout.write(`Pixelgate ${PIXELGATE_VERSION} listening on ${address} (data in ${config.dataDir})\n`);
}

main().catch((error) => {
  process.stderr.write(`pixelgate: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
