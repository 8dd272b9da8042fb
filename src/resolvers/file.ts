import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AssetLinkError, NotFoundError, OutOfScopeError, ProviderError } from '../errors.js';
import type { ByteRange, HeadResult, PresignedUrl } from '../types.js';
import type { DriverFactory, DriverPresignRequest, ListPage, ListPageRequest, ListResult, ObjectTarget, ProviderDriver } from './driver.js';
import { listDirectoryPage } from './directory-listing.js';
import { READ_FLAGS, safePath } from './file-paths.js';
import { signLocalUrl } from './local-presign.js';
import { sliceRange } from './memory.js';

const WEEK = 7 * 24 * 3600;

function rootOf(t: ObjectTarget): string {
  const config = t.integration.config;
  if (config.provider !== 'file') throw new ProviderError('file driver given a non-file integration');
  return config.scope.root;
}

function mapFsError(error: unknown, t: ObjectTarget): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const opts = { uri: t.location.uri, integrationId: t.integration.id, cause: error };
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return new NotFoundError(`${t.location.uri} does not exist`, opts);
  if (code === 'ELOOP') return new OutOfScopeError(`${t.location.uri} is a symbolic link; file integrations refuse links`, opts);
  return new ProviderError(`file system error on ${t.location.uri}: ${code ?? 'unknown'}`, opts);
}

class FileDriver implements ProviderDriver {
  readonly provider = 'file' as const;
  readonly maxPresignTtlSeconds = WEEK;
  constructor(private readonly now: () => number) {}

  async head(t: ObjectTarget): Promise<HeadResult> {
    try {
      const file = await safePath(rootOf(t), t.location.key, t.location.uri, false);
      const handle = await fs.open(file, READ_FLAGS);
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new NotFoundError(`${t.location.uri} is not a file`, { uri: t.location.uri });
        return { size: stat.size, lastModified: stat.mtime, etag: `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"` };
      } finally { await handle.close(); }
    } catch (error) { throw mapFsError(error, t); }
  }

  async read(t: ObjectTarget, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    try {
      const file = await safePath(rootOf(t), t.location.key, t.location.uri, false);
      const handle = await fs.open(file, READ_FLAGS);
      const stat = await handle.stat().catch(async (e: unknown) => { await handle.close(); throw e; });
      if (!stat.isFile()) { await handle.close(); throw new NotFoundError(`${t.location.uri} is not a file`, { uri: t.location.uri }); }
      const { start, end } = sliceRange(stat.size, range, t.location.uri);
      if (end <= start) { await handle.close(); return new ReadableStream({ start: (c) => c.close() }); }
      const stream = createReadStream('', { fd: handle.fd, start, end: end - 1, autoClose: true });
      stream.on('close', () => { void handle.close().catch(() => undefined); });
      return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
    } catch (error) { throw mapFsError(error, t); }
  }

  async write(t: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    try {
      const file = await safePath(rootOf(t), t.location.key, t.location.uri, true);
      // Write beside the target and rename, so readers never see half a file.
      const temp = path.join(path.dirname(file), `.assetlink-${randomBytes(6).toString('hex')}.tmp`);
      try {
        const source = body instanceof Uint8Array ? Readable.from([body]) : Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
        await pipeline(source, createWriteStream(temp, { flags: 'wx' }) as Writable);
        await fs.rename(temp, file);
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw error;
      }
    } catch (error) { throw mapFsError(error, t); }
  }

  async delete(t: ObjectTarget): Promise<void> {
    try {
      const file = await safePath(rootOf(t), t.location.key, t.location.uri, false);
      await fs.rm(file, { force: true });
    } catch (error) {
      const mapped = mapFsError(error, t);
      if (mapped.code !== 'NOT_FOUND') throw mapped;
    }
  }

  async presign(t: ObjectTarget, req: DriverPresignRequest): Promise<PresignedUrl> {
    const expiresAt = Math.floor(this.now() / 1000 + req.ttlSeconds) * 1000;
    const url = signLocalUrl({
      scheme: 'file', bucket: '', key: t.location.key, method: req.method, expiresAt,
      ...(req.contentType !== undefined ? { contentType: req.contentType } : {}),
    });
    return { url, method: req.method, expiresAt: new Date(expiresAt), headers: req.contentType !== undefined && req.method === 'PUT' ? { 'content-type': req.contentType } : {} };
  }

  async list(t: ObjectTarget, limit: number): Promise<ListResult> {
    const root = rootOf(t);
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (keys.length > limit) return;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) keys.push(full.replace(/^\/+/, ''));
      }
    };
    await walk(root);
    const under = keys.filter((k) => k.startsWith(t.location.key)).sort();
    return { keys: under.slice(0, limit), truncated: under.length > limit };
  }

  async listPage(t: ObjectTarget, request: ListPageRequest): Promise<ListPage> {
    try { return await listDirectoryPage(rootOf(t), request); } catch (error) { throw mapFsError(error, t); }
  }

  async close(): Promise<void> { /* nothing held */ }
}

export const createDriver: DriverFactory = (ctx) => new FileDriver(ctx.now);

