import { AbortedError } from '../errors.js';
import type { CommandIo } from './ls.js';

/**
 * Runs a listing command so that it stops cleanly on Ctrl-C (the listing is aborted, a sync leaves
 * its manifest untouched) and when stdout is closed early (`assetlink ls … | head` exits 0).
 */
export async function withListingIo(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, run: (io: CommandIo) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  let pipeClosed = false;
  const onPipeError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') { pipeClosed = true; controller.abort(new Error('stdout was closed')); }
  };
  const onInterrupt = (): void => controller.abort(new Error('interrupted'));
  stdout.on('error', onPipeError);
  process.once('SIGINT', onInterrupt);
  try {
    return await run({ stdout: stdout as CommandIo['stdout'], stderr: stderr as CommandIo['stderr'], signal: controller.signal });
  } catch (error) {
    if (pipeClosed && (error instanceof AbortedError || (error as NodeJS.ErrnoException).code === 'EPIPE')) return 0;
    throw error;
  } finally {
    stdout.off('error', onPipeError);
    process.off('SIGINT', onInterrupt);
  }
}
