import type { Writable } from 'node:stream';
import { AbortedError } from '../errors.js';
import { createAssetResolver } from '../resolver/create.js';
import { loadConfig } from './config.js';
import { lsCommand, parseLsArgs } from './ls.js';
import { parseSyncArgs, syncCommand } from './sync.js';

export const LISTING_USAGE = `  ls <uri> [--json] [--match GLOB|/REGEXP/] [--recursive=false] [--limit N]
                                   list a bucket or folder, one page at a time
  sync <uri> --manifest FILE       first run: write FILE; later runs: print changes as JSON lines
                                   and replace FILE atomically
`;

/**
 * Runs `ls` or `sync` (argv starts after the command name): loads the configuration, stops
 * cleanly on Ctrl-C (the listing is aborted, a sync leaves its manifest untouched) and when stdout
 * is closed early (`assetlink ls … | head`).
 */
export async function runListingCommand(command: 'ls' | 'sync', argv: string[], env: NodeJS.ProcessEnv, io: { stdout: Writable; stderr: Writable }): Promise<number> {
  const ls = command === 'ls' ? parseLsArgs(argv) : undefined;
  const sync = command === 'sync' ? parseSyncArgs(argv) : undefined;
  const config = await loadConfig((ls ?? sync)!.config, env);
  const resolver = createAssetResolver(config);
  const controller = new AbortController();
  let pipeClosed = false;
  const onPipeError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') { pipeClosed = true; controller.abort(new Error('stdout was closed')); }
  };
  const onInterrupt = (): void => controller.abort(new Error('interrupted'));
  io.stdout.on('error', onPipeError);
  process.once('SIGINT', onInterrupt);
  try {
    const commandIo = { ...io, signal: controller.signal };
    return ls ? await lsCommand(ls, resolver, commandIo) : await syncCommand(sync!, resolver, commandIo);
  } catch (error) {
    if (pipeClosed && (error instanceof AbortedError || (error as NodeJS.ErrnoException).code === 'EPIPE')) return 0;
    throw error;
  } finally {
    io.stdout.off('error', onPipeError);
    process.off('SIGINT', onInterrupt);
    await resolver.close();
  }
}
