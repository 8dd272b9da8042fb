import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { isLocalPresignedUrl, verifyLocalUrl, type LocalGrant } from '../resolvers/local-presign.js';
import { READ_FLAGS } from '../resolvers/file-paths.js';
import { memoryStore, putMemoryObject } from '../resolvers/memory-store.js';
import { collect } from './streams.js';

/**
 * `fetch` that also honours the presigned `memory:` and `file:` URLs assetlink issues, with the
 * same answers a cloud would give: 403 for a bad signature, wrong method or expiry, 404 for a
 * missing object. Any other URL goes to the global `fetch` unchanged.
 */
export async function fetchPresigned(url: string, init: RequestInit = {}): Promise<Response> {
  if (!isLocalPresignedUrl(url)) return fetch(url, init);
  const grant = verifyLocalUrl(url);
  const method = (init.method ?? 'GET').toUpperCase();
  if (!grant) return denied('signature does not match');
  if (Date.now() >= grant.expiresAt) return denied('request has expired');
  if (grant.method !== method) return denied(`URL was signed for ${grant.method}, not ${method}`);
  const headers = new Headers(init.headers);
  if (method === 'PUT' && grant.contentType !== undefined && headers.get('content-type') !== grant.contentType) {
    return denied('content-type does not match the signed content type');
  }
  return method === 'GET' ? get(grant) : put(grant, init.body, headers.get('content-type') ?? undefined);
}

function denied(reason: string): Response {
  return new Response(`AccessDenied: ${reason}`, { status: 403 });
}

async function get(grant: LocalGrant): Promise<Response> {
  if (grant.scheme === 'memory') {
    const object = memoryStore(grant.bucket).get(grant.key);
    if (!object) return new Response('NoSuchKey', { status: 404 });
    return new Response(Buffer.from(object.data), { status: 200, headers: object.contentType ? { 'content-type': object.contentType } : {} });
  }
  try {
    const handle = await fs.open(`/${grant.key}`, READ_FLAGS);
    const stream = createReadStream('', { fd: handle.fd, autoClose: true });
    return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status: 200 });
  } catch {
    return new Response('NoSuchKey', { status: 404 });
  }
}

async function put(grant: LocalGrant, body: RequestInit['body'], contentType: string | undefined): Promise<Response> {
  const data = await collect(new Response(body ?? null).body ?? new ReadableStream({ start: (c) => c.close() }));
  if (grant.scheme === 'memory') {
    putMemoryObject(grant.bucket, grant.key, data, contentType);
    return new Response(null, { status: 200 });
  }
  const file = `/${grant.key}`;
  const temp = path.join(path.dirname(file), `.assetlink-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(temp, data, { flag: 'wx' });
    await fs.rename(temp, file);
    return new Response(null, { status: 200 });
  } catch {
    await fs.rm(temp, { force: true });
    return new Response('NoSuchKey', { status: 404 });
  }
}
