import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { InvalidArgumentError } from '../errors.js';
import type { ListedEntry, ListOptions } from '../list/types.js';
import type { AssetResolver } from '../resolver/create.js';

/** Where a listing command writes, and the signal that stops it (Ctrl-C, a closed pipe). */
export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
  signal?: AbortSignal;
}

export interface LsArgs {
  uri: string;
  json: boolean;
  recursive: boolean;
  match?: string | RegExp;
  integration?: string;
  limit?: number;
  pageSize?: number;
}

/** Lists as it goes (one page in memory): `size  lastModified  uri` per object, `PRE uri` per folder; JSON lines with --json. */
export async function lsCommand(args: LsArgs, resolver: AssetResolver, io: CommandIo): Promise<number> {
  const options: ListOptions = {
    recursive: args.recursive,
    ...(args.match !== undefined ? { match: args.match } : {}),
    ...(args.integration !== undefined ? { integration: args.integration } : {}),
    ...(args.limit !== undefined ? { limit: args.limit } : {}),
    ...(args.pageSize !== undefined ? { pageSize: args.pageSize } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
  };
  let count = 0;
  for await (const entry of resolver.list(args.uri, options)) {
    await writeLine(io.stdout, args.json ? JSON.stringify(entryJson(entry)) : entryText(entry));
    count++;
  }
  if (!args.json) io.stderr.write(`${count} ${count === 1 ? 'entry' : 'entries'}\n`);
  return 0;
}

export function entryJson(entry: ListedEntry): Record<string, unknown> {
  if (entry.kind === 'prefix') return { kind: 'prefix', key: entry.key, uri: entry.uri };
  return {
    kind: 'object', key: entry.key, uri: entry.uri, size: entry.size,
    ...(entry.etag !== undefined ? { etag: entry.etag } : {}),
    ...(entry.lastModified !== undefined ? { lastModified: entry.lastModified.toISOString() } : {}),
    ...(entry.contentType !== undefined ? { contentType: entry.contentType } : {}),
  };
}

function entryText(entry: ListedEntry): string {
  if (entry.kind === 'prefix') return `${'PRE'.padStart(12)}  ${''.padEnd(24)}  ${entry.uri}`;
  return `${String(entry.size).padStart(12)}  ${(entry.lastModified?.toISOString() ?? '-').padEnd(24)}  ${entry.uri}`;
}

/** Writes one line, waiting while the reader is slower than the listing (memory stays one page). */
export async function writeLine(stream: Writable, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

export function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`${flag} must be a positive integer, got ${text}`);
  return value;
}

/** `/…/flags` is a RegExp; anything else a glob. */
export function matchArgument(text: string): string | RegExp {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(text);
  if (!regex) return text;
  try {
    return new RegExp(regex[1]!, regex[2]);
  } catch (error) {
    throw new InvalidArgumentError(`--match ${text} is not a valid regular expression (${(error as Error).message}); write a glob like "**/*.jpg", or a RegExp as /pattern/flags`);
  }
}
