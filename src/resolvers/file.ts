import { AssetLinkError, NotFoundError, OutOfScopeError, ProviderError } from '../errors.js';
import { typedByteStream } from '../resolver/streams.js';
import type { ByteRange, HeadResult, PresignedUrl } from '../types.js';
import type { DriverFactory, DriverPresignRequest, ListPage, ListPageRequest, ListResult, ObjectTarget, ProviderDriver } from './driver.js';
import { listDirectoryPage } from './directory-listing.js';
import { checkPathForPresign, deleteFile, listFilesBelow, openFileForRead, writeFileAtomically } from './file-paths.js';
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
      const { handle, stat } = await openFileForRead(rootOf(t), t.location.key, t.location.uri);
      await handle.close();
      return { size: stat.size, lastModified: stat.mtime, etag: `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"` };
    } catch (error) { throw mapFsError(error, t); }
  }

  async read(t: ObjectTarget, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    try {
      const { handle, stat } = await openFileForRead(rootOf(t), t.location.key, t.location.uri);
      let start: number;
      let end: number;
      try {
        ({ start, end } = sliceRange(stat.size, range, t.location.uri));
      } catch (error) {
        await handle.close();
        throw error;
      }
      if (end <= start) { await handle.close(); return new ReadableStream({ start: (c) => c.close() }); }
      // The stream owns the handle: it is closed at the end, on an error and when the consumer cancels.
      const stream = handle.createReadStream({ start, end: end - 1, autoClose: true });
      return await typedByteStream(stream, (error) => mapFsError(error, t));
    } catch (error) { throw mapFsError(error, t); }
  }

  async write(t: ObjectTarget, body: Uint8Array | ReadableStream<Uint8Array>): Promise<void> {
    try {
      await writeFileAtomically(rootOf(t), t.location.key, t.location.uri, body instanceof Uint8Array ? body : (body as unknown as AsyncIterable<Uint8Array>));
    } catch (error) {
      // A body stream refused before it was read is cancelled, so whatever feeds it (a file, a socket) is released.
      if (body instanceof ReadableStream && !body.locked) await body.cancel(error).catch(() => undefined);
      throw mapFsError(error, t);
    }
  }

  async delete(t: ObjectTarget): Promise<void> {
    try {
      await deleteFile(rootOf(t), t.location.key, t.location.uri);
    } catch (error) {
      const mapped = mapFsError(error, t);
      if (mapped.code !== 'NOT_FOUND') throw mapped;
    }
  }

  async presign(t: ObjectTarget, req: DriverPresignRequest): Promise<PresignedUrl> {
    // Checked now (what exists must not be a link) and again, race-free, when the URL is used.
    try {
      await checkPathForPresign(rootOf(t), t.location.key, t.location.uri);
    } catch (error) { throw mapFsError(error, t); }
    const expiresAt = Math.floor(this.now() / 1000 + req.ttlSeconds) * 1000;
    // The root is signed into the URL: fetchPresigned walks from it exactly as the driver does.
    const url = signLocalUrl({
      scheme: 'file', bucket: rootOf(t), key: t.location.key, method: req.method, expiresAt,
      ...(req.contentType !== undefined ? { contentType: req.contentType } : {}),
    });
    return { url, method: req.method, expiresAt: new Date(expiresAt), headers: req.contentType !== undefined && req.method === 'PUT' ? { 'content-type': req.contentType } : {} };
  }

  async list(t: ObjectTarget, limit: number): Promise<ListResult> {
    let keys: string[];
    try {
      // Listing the whole root may stop after `limit + 1` keys; a narrower prefix filters a full walk.
      const root = rootOf(t);
      const wholeRoot = t.location.key.replace(/\/+$/, '') === root.replace(/^\/+/, '').replace(/\/+$/, '');
      keys = await listFilesBelow(root, t.location.uri, wholeRoot ? limit : Number.MAX_SAFE_INTEGER);
    } catch (error) { throw mapFsError(error, t); }
    const under = keys.filter((k) => k.startsWith(t.location.key)).sort();
    return { keys: under.slice(0, limit), truncated: under.length > limit };
  }

  async listPage(t: ObjectTarget, request: ListPageRequest): Promise<ListPage> {
    try { return await listDirectoryPage(rootOf(t), request); } catch (error) { throw mapFsError(error, t); }
  }

  async close(): Promise<void> { /* nothing held */ }
}

export const createDriver: DriverFactory = (ctx) => new FileDriver(ctx.now);

