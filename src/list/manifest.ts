import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { diffListings } from './diff.js';
import type { ListedObject, ListingChange, ListingSource } from './types.js';
import { compareUtf8 } from '../resolvers/key-order.js';

/**
 * A listing manifest: the state of a listed folder, kept between incremental syncs. JSON lines,
 * key-sorted like the listing it records, read back as a stream, so neither writing nor diffing
 * it ever holds the whole listing:
 *
 *   {"assetlink":"listing-manifest","version":1,"uri":"s3://bucket/images/"}
 *   {"key":"images/a.jpg","uri":"s3://bucket/images/a.jpg","size":123,"etag":"\"…\"","lastModified":"2024-…Z"}
 *
 * Manifests are replaced atomically: the new one is written beside the old under a temporary
 * name, flushed to disk (fsync), then renamed over it (and the directory synced). A crash or an
 * error at any point before the rename leaves the old manifest exactly as it was.
 */

const FORMAT = 'listing-manifest';
const VERSION = 1;
const FLUSH_BYTES = 64 * 1024;

interface ManifestHeader { assetlink: typeof FORMAT; version: number; uri: string }

/** Writes a manifest to a temporary file; `commit` puts it in place atomically, `discard` removes it. */
export class ManifestWriter {
  readonly #target: string;
  readonly #temp: string;
  readonly #handle: FileHandle;
  #buffer = '';
  #count = 0;
  #lastKey: string | undefined;
  #finished = false;

  private constructor(target: string, temp: string, handle: FileHandle) {
    this.#target = target;
    this.#temp = temp;
    this.#handle = handle;
  }

  static async open(file: string, uri: string): Promise<ManifestWriter> {
    const target = path.resolve(file);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    const handle = await fs.open(temp, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
      throw new InvalidArgumentError(`cannot write a manifest beside ${target}: ${error.code ?? error.message}`, { cause: error });
    });
    const writer = new ManifestWriter(target, temp, handle);
    const header: ManifestHeader = { assetlink: FORMAT, version: VERSION, uri };
    writer.#buffer = `${JSON.stringify(header)}\n`;
    return writer;
  }

  get count(): number { return this.#count; }

  async write(object: ListedObject): Promise<void> {
    if (this.#lastKey !== undefined && compareUtf8(object.key, this.#lastKey) <= 0) {
      throw new InvalidArgumentError(`manifest entries must be sorted by key in UTF-8 byte order with no key twice: "${object.key}" came after "${this.#lastKey}"`);
    }
    this.#lastKey = object.key;
    this.#buffer += `${JSON.stringify(manifestLine(object))}\n`;
    this.#count++;
    if (this.#buffer.length >= FLUSH_BYTES) await this.#flush();
  }

  async commit(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    try {
      await this.#flush();
      await this.#handle.sync();
      await this.#handle.close();
      await fs.rename(this.#temp, this.#target);
    } catch (error) {
      await this.#handle.close().catch(() => undefined);
      await fs.rm(this.#temp, { force: true });
      throw error;
    }
    await syncDirectory(path.dirname(this.#target));
  }

  async discard(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.#handle.close().catch(() => undefined);
    await fs.rm(this.#temp, { force: true });
  }

  async #flush(): Promise<void> {
    if (this.#buffer === '') return;
    const text = this.#buffer;
    this.#buffer = '';
    await this.#handle.write(text);
  }
}

function manifestLine(object: ListedObject): Record<string, unknown> {
  return {
    key: object.key,
    uri: object.uri,
    size: object.size,
    ...(object.etag !== undefined ? { etag: object.etag } : {}),
    ...(object.lastModified !== undefined ? { lastModified: object.lastModified.toISOString() } : {}),
    ...(object.contentType !== undefined ? { contentType: object.contentType } : {}),
  };
}

/** The rename is durable only once the directory entry is on disk too (not possible everywhere: best effort). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    /* some platforms and file systems cannot fsync a directory */
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `objects` (key-sorted, as `resolver.list()` yields them) as the manifest of `uri`,
 * replacing `file` atomically. Returns how many objects it holds.
 */
export async function writeListingManifest(file: string, uri: string, objects: ListingSource): Promise<number> {
  const writer = await ManifestWriter.open(file, uri);
  try {
    for await (const object of objects) await writer.write(object);
    await writer.commit();
    return writer.count;
  } finally {
    await writer.discard();
  }
}

/**
 * Streams a manifest's objects back, in the order they were written. With `uri`, a manifest
 * written for another listing is refused (diffing it would report everything as changed).
 * A missing file is INVALID_ARGUMENT unless `missingOk`, which reads it as empty.
 */
export function readListingManifest(file: string, options: { uri?: string; missingOk?: boolean } = {}): AsyncIterable<ListedObject> {
  return {
    async *[Symbol.asyncIterator]() {
      const stream = createReadStream(file, { encoding: 'utf8' });
      const opened = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
        stream.once('open', () => resolve(undefined));
        stream.once('error', (error: NodeJS.ErrnoException) => resolve(error));
      });
      if (opened) {
        stream.destroy();
        if (opened.code === 'ENOENT' && options.missingOk) return;
        throw new InvalidArgumentError(`cannot read manifest ${file}: ${opened.code ?? opened.message}`, { cause: opened });
      }
      // node:readline loads here, not with the package: only manifest readers need it.
      const { createInterface } = await import('node:readline');
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      let number = 0;
      try {
        for await (const line of lines) {
          number++;
          if (line === '') continue;
          let value: unknown;
          try { value = JSON.parse(line); } catch { throw corrupt(file, number, 'is not JSON'); }
          if (number === 1) {
            const header = value as Partial<ManifestHeader>;
            if (header.assetlink !== FORMAT) throw corrupt(file, number, 'is not an assetlink listing manifest header');
            if (header.version !== VERSION) throw corrupt(file, number, `has version ${String(header.version)}; this assetlink reads version ${VERSION}`);
            if (options.uri !== undefined && header.uri !== options.uri) {
              throw new InvalidArgumentError(`manifest ${file} records ${String(header.uri)}, not ${options.uri}; use one manifest per listed URI`);
            }
            continue;
          }
          yield parseLine(value, file, number);
        }
        if (number === 0) throw corrupt(file, 1, 'is missing (the file is empty)');
      } finally {
        lines.close();
        stream.destroy();
      }
    },
  };
}

function corrupt(file: string, line: number, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`manifest ${file} line ${line} ${problem}; the file is damaged or not a manifest (delete it to start a full sync)`);
}

function parseLine(value: unknown, file: string, line: number): ListedObject {
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || typeof v.key !== 'string' || typeof v.uri !== 'string' || typeof v.size !== 'number') {
    throw corrupt(file, line, 'is not a listed object');
  }
  const object: ListedObject = { kind: 'object', uri: v.uri, key: v.key, size: v.size };
  if (typeof v.etag === 'string') object.etag = v.etag;
  if (typeof v.lastModified === 'string') {
    const date = new Date(v.lastModified);
    if (Number.isNaN(date.getTime())) throw corrupt(file, line, 'has an invalid lastModified');
    object.lastModified = date;
  }
  if (typeof v.contentType === 'string') object.contentType = v.contentType;
  return object;
}

/**
 * Incremental sync: diffs `file` (the previous state of `uri`; none yet → every object is
 * `added`) against `current` (a fresh listing of `uri`) and writes `current` as the new manifest
 * while it streams. The new manifest replaces the old one only when the changes have been
 * consumed to the end; an error, an abort or a consumer that stops early leaves the old one in
 * place, so the next sync reports the same changes again (handle them idempotently).
 */
export function syncListingManifest(file: string, uri: string, current: ListingSource): AsyncIterable<ListingChange> {
  return {
    async *[Symbol.asyncIterator]() {
      const writer = await ManifestWriter.open(file, uri);
      try {
        const recorded = teeInto(current, writer);
        for await (const change of diffListings(readListingManifest(file, { uri, missingOk: true }), recorded)) yield change;
        await writer.commit();
      } finally {
        await writer.discard();
      }
    },
  };
}

async function* teeInto(source: ListingSource, writer: ManifestWriter): AsyncGenerator<ListedObject, void, undefined> {
  for await (const object of source) {
    if (object.kind !== 'object') throw new InvalidArgumentError('a manifest records objects: sync a recursive listing');
    await writer.write(object);
    yield object;
  }
}
