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

/**
 * `assetlink ls URI [--json] [--match GLOB|/REGEXP/flags] [--recursive=false] [--limit N] [--page-size N] [--integration ID]`
 * — argv is what follows `ls`. `--recursive=false` (also `--no-recursive`) lists one folder level.
 */
export function parseLsArgs(argv: string[]): LsArgs & { config?: string } {
  const flags = parseFlags(argv, { booleans: ['json', 'recursive'], strings: ['match', 'integration', 'limit', 'page-size', 'config'] });
  const uri = flags.positionals[0];
  if (!uri || flags.positionals.length > 1) throw new InvalidArgumentError('usage: assetlink ls URI [--json] [--match GLOB] [--recursive=false] [--limit N] [--integration ID]');
  const limit = positiveInteger(flags.strings.limit, '--limit');
  const pageSize = positiveInteger(flags.strings['page-size'], '--page-size');
  return {
    uri,
    json: flags.booleans.json ?? false,
    recursive: flags.booleans.recursive ?? true,
    ...(flags.strings.match !== undefined ? { match: matchArgument(flags.strings.match) } : {}),
    ...(flags.strings.integration !== undefined ? { integration: flags.strings.integration } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(pageSize !== undefined ? { pageSize } : {}),
    ...(flags.strings.config !== undefined ? { config: flags.strings.config } : {}),
  };
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

interface ParsedFlags {
  positionals: string[];
  booleans: Record<string, boolean | undefined>;
  strings: Record<string, string | undefined>;
}

/**
 * A small flag parser that, unlike util.parseArgs, takes `--flag=false` for booleans (the
 * documented `--recursive=false`) as well as `--no-flag`. Unknown flags are refused.
 */
export function parseFlags(argv: string[], spec: { booleans: string[]; strings: string[] }): ParsedFlags {
  const out: ParsedFlags = { positionals: [], booleans: {}, strings: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') { out.positionals.push(...argv.slice(i + 1)); break; }
    if (!arg.startsWith('--')) { out.positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    if (spec.booleans.includes(name)) {
      if (inline === undefined || inline === 'true') out.booleans[name] = true;
      else if (inline === 'false') out.booleans[name] = false;
      else throw new InvalidArgumentError(`--${name} takes true or false, got "${inline}"`);
    } else if (name.startsWith('no-') && spec.booleans.includes(name.slice(3)) && inline === undefined) {
      out.booleans[name.slice(3)] = false;
    } else if (spec.strings.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined) throw new InvalidArgumentError(`--${name} needs a value`);
      out.strings[name] = value;
    } else {
      throw new InvalidArgumentError(`unknown option --${name}; run assetlink --help`);
    }
  }
  return out;
}
