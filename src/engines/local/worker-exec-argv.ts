/**
 * Worker threads inherit the parent's `execArgv`, which carries tsx when the process runs under
 * `node --import tsx`; when it was registered another way, register it for the workers too.
 */
export function workerExecArgv(workerUrl: URL): string[] | undefined {
  if (!workerUrl.pathname.endsWith('.ts')) return undefined;
  if (process.execArgv.some((argument) => argument.includes('tsx'))) return undefined;
  return [...process.execArgv, '--import', 'tsx'];
}
