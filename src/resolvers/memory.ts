import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { alreadyExistsAt } from './probe-write.js';
import { bytesStream, collect } from '../resolver/streams.js';
import type { ByteRange, HeadResult, PresignedUrl } from '../types.js';
import type { DriverFactory, DriverPresignRequest, ListPage, ListPageRequest, ListResult, ObjectTarget, ObjectVersion, ProviderDriver } from './driver.js';
import { signLocalUrl } from './local-presign.js';
import { memoryStore, putMemoryObject, type MemoryObject } from './memory-store.js';
import { sortedPage } from './sorted-key-map.js';

const WEEK = 7 * 24 * 3600;

export function sliceRange(size: number, range: ByteRange | undefined, uri: string): { start: number; end: number } {
  if (!range) return { start: 0, end: size };
  if (range.start >= size && size > 0) throw new InvalidArgumentError(`range start ${range.start} is beyond the end of ${uri} (${size} bytes)`, { uri });
  return { start: range.start, end: Math.min(size, range.end === undefined ? size : range.end + 1) };
}

/** Versions handed out by createIfAbsent, per stored object (an overwrite is a new object). */
const versions = new WeakMap<MemoryObject, string>();

class MemoryDriver implements ProviderDriver {
  readonly provider = 'memory' as const;
  readonly maxPresignTtlSeconds = WEEK;
  constructor(private readonly now: () => number) {}

  #get(t: ObjectTarget): MemoryObject {
    const object = memoryStore(t.location.bucket).get(t.location.key);
    if (!object) throw new NotFoundError(`${t.location.uri} does not exist`, { uri: t.location.uri, integrationId: t.integration.id });
    return object;
  }

  async head(t: ObjectTarget): Promise<HeadResult> {
    const o = this.#get(t);
    return { size: o.data.byteLength, etag: o.etag, lastModified: o.lastModified, ...(o.contentType !== undefined ? { contentType: o.contentType } : {}) };
  }

  async read(t: ObjectTarget, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    const o = this.#get(t);
    const { start, end } = sliceRange(o.data.byteLength, range, t.location.uri);
    return bytesStream(o.data.subarray(start, end));
  }

  async write(t: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>, opts: { contentType?: string }): Promise<void> {
    const data = body instanceof Uint8Array ? body.slice() : await collect(body);
    putMemoryObject(t.location.bucket, t.location.key, data, opts.contentType);
  }

  async delete(t: ObjectTarget): Promise<void> {
    memoryStore(t.location.bucket).delete(t.location.key);
  }

  /** Create-only write (atomic: the store is in this process). The version is this exact object. */
  async createIfAbsent(t: ObjectTarget, body: Uint8Array, opts: { contentType?: string }): Promise<ObjectVersion> {
    if (memoryStore(t.location.bucket).has(t.location.key)) {
      throw alreadyExistsAt(t);
    }
    const object = putMemoryObject(t.location.bucket, t.location.key, body.slice(), opts.contentType);
    const value = randomUUID();
    versions.set(object, value);
    return { value };
  }

  async deleteVersion(t: ObjectTarget, version: ObjectVersion): Promise<boolean> {
    const store = memoryStore(t.location.bucket);
    const current = store.get(t.location.key);
    if (!current || versions.get(current) !== version.value) return false;
    store.delete(t.location.key);
    return true;
  }

  async presign(t: ObjectTarget, req: DriverPresignRequest): Promise<PresignedUrl> {
    const expiresAt = Math.floor(this.now() / 1000 + req.ttlSeconds) * 1000;
    const url = signLocalUrl({
      scheme: 'memory', bucket: t.location.bucket, key: t.location.key, method: req.method, expiresAt,
      ...(req.contentType !== undefined ? { contentType: req.contentType } : {}),
    });
    return { url, method: req.method, expiresAt: new Date(expiresAt), headers: req.contentType !== undefined && req.method === 'PUT' ? { 'content-type': req.contentType } : {} };
  }

  async list(t: ObjectTarget, limit: number): Promise<ListResult> {
    const page = sortedPage(memoryStore(t.location.bucket).sortedKeys(), { prefix: t.location.key, delimiter: false, pageSize: limit });
    return { keys: page.keys, truncated: page.nextPageToken !== undefined };
  }

  /** A binary search into the store's sorted index plus the page: O(page + log n), however deep into the listing. */
  async listPage(t: ObjectTarget, request: ListPageRequest): Promise<ListPage> {
    const store = memoryStore(t.location.bucket);
    const page = sortedPage(store.sortedKeys(), request);
    const objects = page.keys.map((key) => {
      const o = store.get(key)!;
      return { key, size: o.data.byteLength, etag: o.etag, lastModified: o.lastModified, ...(o.contentType !== undefined ? { contentType: o.contentType } : {}) };
    });
    return { objects, prefixes: page.prefixes, ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {}) };
  }

  async close(): Promise<void> { /* nothing held */ }
}

export const createDriver: DriverFactory = (ctx) => new MemoryDriver(ctx.now);
