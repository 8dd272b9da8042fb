import fs from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import { syncListingManifest, writeListingManifest } from '../list/manifest.js';
import type { ListedObject } from '../list/types.js';
import type { AssetResolver } from '../resolver/create.js';
import { parseAssetUri } from '../uri/index.js';
import { entryJson, writeLine, type CommandIo } from './ls.js';

export interface SyncArgs {
  uri: string;
  manifest: string;
  integration?: string;
  pageSize?: number;
}

/**
 * First run (no manifest yet): lists the URI and writes the manifest, printing nothing on stdout.
 * Later runs: prints one JSON line per change (`{"change":"added"|"changed"|"removed", …object}`)
 * and replaces the manifest atomically once the listing is complete. Any failure — a page that
 * cannot be fetched, Ctrl-C, a crash — leaves the previous manifest untouched, so the next run
 * reports the same changes again.
 */
export async function syncCommand(args: SyncArgs, resolver: AssetResolver, io: CommandIo): Promise<number> {
  const folderUri = canonicalFolder(args.uri);
  const options = {
    ...(args.integration !== undefined ? { integration: args.integration } : {}),
    ...(args.pageSize !== undefined ? { pageSize: args.pageSize } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  };
  const listing = resolver.list(args.uri, options) as AsyncIterable<ListedObject>;
  const exists = await fs.stat(args.manifest).then(() => true, (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return false;
    throw new InvalidArgumentError(`cannot read manifest ${args.manifest}: ${error.code ?? error.message}`);
  });
  if (!exists) {
    const count = await writeListingManifest(args.manifest, folderUri, listing);
    io.stderr.write(`first sync: wrote ${args.manifest} with ${count} objects; later runs print what changed\n`);
    return 0;
  }
  const counts = { added: 0, changed: 0, removed: 0 };
  for await (const change of syncListingManifest(args.manifest, folderUri, listing)) {
    counts[change.kind]++;
    await writeLine(io.stdout, JSON.stringify({ change: change.kind, ...entryJson(change.object) }));
  }
  io.stderr.write(`${counts.added} added, ${counts.changed} changed, ${counts.removed} removed; ${args.manifest} updated\n`);
  return 0;
}

/** One manifest records one folder, however its URI was spelled (`…/images` or `…/images/`). */
function canonicalFolder(uri: string): string {
  try {
    const location = parseAssetUri(uri);
    return location.key === '' || location.key.endsWith('/') ? location.uri : `${location.uri}/`;
  } catch {
    // A form only the configured endpoints make parseable: the listing itself will say what is wrong.
    return uri;
  }
}
