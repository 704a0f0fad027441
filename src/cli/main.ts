/** Entry point of the `pixelgate` command (see `bin/pixelgate.js`). */
import { openKeyStoreFromEnvironment } from './cli-database.ts';
import { runPixelgateCli } from './pixelgate-cli.ts';

process.exitCode = await runPixelgateCli(process.argv.slice(2), {
  output: (text) => process.stdout.write(text),
  errorOutput: (text) => process.stderr.write(text),
  openKeyStore: () => openKeyStoreFromEnvironment(process.env, process.cwd()),
});
