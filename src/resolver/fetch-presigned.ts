import { AssetLinkError } from '../errors.js';
import { isLocalPresignedUrl, verifyLocalUrl, type LocalGrant } from '../resolvers/local-presign.js';
import { openFileForRead, writeFileAtomically } from '../resolvers/file-paths.js';
import { memoryStore, putMemoryObject } from '../resolvers/memory-store.js';
import { collect, typedByteStream } from './streams.js';

/**
 * `fetch` that also honours the presigned `memory:` and `file:` URLs assetlink issues, with the
 * same answers a cloud would give: 403 for a bad signature, wrong method or expiry, or a path that
 * goes through a symbolic link; 404 for a missing object. `file:` URLs carry their integration's
 * root (signed) and are served by the same race-free walk as the file driver, so a URL can never
 * reach outside its root. Any other URL goes to the global `fetch` unchanged.
 */
export async function fetchPresigned(url: string, init: RequestInit = {}): Promise<Response> {
  if (!isLocalPresignedUrl(url)) return fetch(url, init);
  const grant = verifyLocalUrl(url);
  const method = (init.method ?? 'GET').toUpperCase();
  if (!grant) return denied('signature does not match', init.body);
  if (Date.now() >= grant.expiresAt) return denied('request has expired', init.body);
  if (grant.method !== method) return denied(`URL was signed for ${grant.method}, not ${method}`, init.body);
  const headers = new Headers(init.headers);
  if (method === 'PUT' && grant.contentType !== undefined && headers.get('content-type') !== grant.contentType) {
    return denied('content-type does not match the signed content type', init.body);
  }
  return method === 'GET' ? get(grant) : put(grant, init.body, headers.get('content-type') ?? undefined);
}

/** A refused request still releases the body stream it was given. */
async function denied(reason: string, body?: RequestInit['body']): Promise<Response> {
  if (body instanceof ReadableStream && !body.locked) await body.cancel().catch(() => undefined);
  return new Response(`AccessDenied: ${reason}`, { status: 403 });
}

function failed(error: unknown, body?: RequestInit['body']): Promise<Response> {
  if (error instanceof AssetLinkError && error.code === 'OUT_OF_SCOPE') return denied('the path goes through a symbolic link or leaves the root', body);
  return Promise.resolve(new Response('NoSuchKey', { status: 404 }));
}

function fileUri(grant: LocalGrant): string {
  return `file:///${grant.key}`;
}

async function get(grant: LocalGrant): Promise<Response> {
  if (grant.scheme === 'memory') {
    const object = memoryStore(grant.bucket).get(grant.key);
    if (!object) return new Response('NoSuchKey', { status: 404 });
    return new Response(Buffer.from(object.data), { status: 200, headers: object.contentType ? { 'content-type': object.contentType } : {} });
  }
  try {
    const { handle, stat } = await openFileForRead(grant.bucket, grant.key, fileUri(grant));
    // The stream owns the handle: closed at the end, on error, and when the consumer cancels.
    const body = await typedByteStream(handle.createReadStream({ autoClose: true }), (error) => error as Error);
    return new Response(body, { status: 200, headers: { 'content-length': String(stat.size) } });
  } catch (error) {
    return failed(error);
  }
}

async function put(grant: LocalGrant, body: RequestInit['body'], contentType: string | undefined): Promise<Response> {
  if (grant.scheme === 'memory') {
    const data = await collect(new Response(body ?? null).body ?? new ReadableStream({ start: (c) => c.close() }));
    putMemoryObject(grant.bucket, grant.key, data, contentType);
    return new Response(null, { status: 200 });
  }
  const stream = new Response(body ?? null).body;
  try {
    await writeFileAtomically(grant.bucket, grant.key, fileUri(grant), stream === null ? new Uint8Array(0) : (stream as unknown as AsyncIterable<Uint8Array>));
    return new Response(null, { status: 200 });
  } catch (error) {
    if (stream !== null && !stream.locked) await stream.cancel().catch(() => undefined);
    return failed(error);
  }
}
