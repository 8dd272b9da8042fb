import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpMethod } from '../types.js';

/**
 * memory: and file: assets have no server to verify a signature, so their presigned URLs are
 * HMAC-signed with a key that lives only in this process and are honoured by `fetchPresigned`.
 */
const processKey = randomBytes(32);

const SIG = 'X-AssetLink-Signature';
const ROOT = 'X-AssetLink-Root';

/** `bucket` is the memory store's name, or for `file` the integration's root directory (signed, so a URL cannot pick its own root). */
export interface LocalGrant { scheme: 'memory' | 'file'; bucket: string; key: string; method: HttpMethod; expiresAt: number; contentType?: string }

function payload(g: LocalGrant): string {
  return JSON.stringify([g.scheme, g.bucket, g.key, g.method, g.expiresAt, g.contentType ?? null]);
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

export function signLocalUrl(grant: LocalGrant): string {
  const signature = createHmac('sha256', processKey).update(payload(grant)).digest('hex');
  const base = grant.scheme === 'memory' ? `memory://${grant.bucket}/${encodeKey(grant.key)}` : `file:///${encodeKey(grant.key)}`;
  const params = new URLSearchParams({ 'X-AssetLink-Method': grant.method, 'X-AssetLink-Expires': String(Math.floor(grant.expiresAt / 1000)) });
  if (grant.scheme === 'file') params.set(ROOT, grant.bucket);
  if (grant.contentType !== undefined) params.set('X-AssetLink-Content-Type', grant.contentType);
  params.set(SIG, signature);
  return `${base}?${params.toString()}`;
}

export function isLocalPresignedUrl(url: string): boolean {
  return /^(?:memory|file):/i.test(url) && url.includes(`${SIG}=`);
}

/** Parses and verifies a local presigned URL; `undefined` when the signature does not match. */
export function verifyLocalUrl(url: string): LocalGrant | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const params = new URLSearchParams(url.slice(q + 1));
  const base = url.slice(0, q);
  const m = /^(memory):\/\/([^/]+)\/(.+)$/.exec(base) ?? /^(file):\/\/\/(.+)$/.exec(base);
  if (!m) return undefined;
  const scheme = m[1] as 'memory' | 'file';
  let key: string;
  try { key = (scheme === 'memory' ? m[3]! : m[2]!).split('/').map(decodeURIComponent).join('/'); } catch { return undefined; }
  const method = params.get('X-AssetLink-Method');
  const expires = Number(params.get('X-AssetLink-Expires'));
  const signature = params.get(SIG) ?? '';
  if ((method !== 'GET' && method !== 'PUT') || !Number.isInteger(expires)) return undefined;
  const contentType = params.get('X-AssetLink-Content-Type') ?? undefined;
  const bucket = scheme === 'memory' ? m[2]! : params.get(ROOT);
  if (bucket === null) return undefined;
  const grant: LocalGrant = { scheme, bucket, key, method, expiresAt: expires * 1000, ...(contentType !== undefined ? { contentType } : {}) };
  const expected = Buffer.from(createHmac('sha256', processKey).update(payload(grant)).digest('hex'));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? grant : undefined;
}
