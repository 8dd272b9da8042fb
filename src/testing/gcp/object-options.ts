import type { IncomingMessage } from 'node:http';
import type { FakeBucket, StoredObject } from './object-store.js';

/**
 * What a write to the fake GCS sets besides the bytes, from the JSON API (object resource in the
 * metadata part / resumable start, `kmsKeyName` query parameter) or the XML API (signed URLs:
 * `Content-Disposition`, `Cache-Control`, `x-goog-meta-*`, `x-goog-encryption-kms-key-name`).
 */
export interface WriteAttributes {
  contentDisposition?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
  kmsKeyName?: string;
}

export function fromResource(resource: Record<string, unknown>, url: URL): WriteAttributes {
  const out: WriteAttributes = {};
  if (typeof resource.contentDisposition === 'string') out.contentDisposition = resource.contentDisposition;
  if (typeof resource.cacheControl === 'string') out.cacheControl = resource.cacheControl;
  if (typeof resource.metadata === 'object' && resource.metadata !== null) {
    out.metadata = Object.fromEntries(Object.entries(resource.metadata as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  }
  const kms = url.searchParams.get('kmsKeyName') ?? (typeof resource.kmsKeyName === 'string' ? resource.kmsKeyName : undefined);
  if (kms) out.kmsKeyName = kms;
  return out;
}

export function fromXmlHeaders(req: IncomingMessage): WriteAttributes {
  const out: WriteAttributes = {};
  const header = (name: string): string | undefined => { const v = req.headers[name]; return typeof v === 'string' ? v : undefined; };
  const disposition = header('content-disposition');
  if (disposition !== undefined) out.contentDisposition = disposition;
  const cache = header('cache-control');
  if (cache !== undefined) out.cacheControl = cache;
  const meta = Object.keys(req.headers).filter((h) => h.startsWith('x-goog-meta-'));
  if (meta.length > 0) out.metadata = Object.fromEntries(meta.map((h) => [h.slice('x-goog-meta-'.length), header(h) ?? '']));
  const kms = header('x-goog-encryption-kms-key-name');
  if (kms !== undefined) out.kmsKeyName = kms;
  return out;
}

/** A refusal message when the bucket requires a CMEK key the write does not name. */
export function kmsRefusal(bucket: FakeBucket, attrs: WriteAttributes): string | undefined {
  if (bucket.requireKmsKeyName === undefined || attrs.kmsKeyName === bucket.requireKmsKeyName) return undefined;
  return attrs.kmsKeyName === undefined
    ? `Request violates constraint 'constraints/gcp.restrictNonCmekServices': objects in ${bucket.name} must be encrypted with a customer-managed key (kmsKeyName).`
    : `Request violates the CMEK policy of ${bucket.name}: key ${attrs.kmsKeyName} is not allowed.`;
}

export function applyAttributes(object: StoredObject, attrs: WriteAttributes): StoredObject {
  if (attrs.contentDisposition !== undefined) object.contentDisposition = attrs.contentDisposition;
  if (attrs.cacheControl !== undefined) object.cacheControl = attrs.cacheControl;
  if (attrs.metadata !== undefined) object.metadata = attrs.metadata;
  if (attrs.kmsKeyName !== undefined) object.kmsKeyName = attrs.kmsKeyName;
  return object;
}

/** Headers GCS serves an object with: stored options, then the signed `response-content-*` overrides of an XML API GET. */
export function mediaHeaders(object: StoredObject, url: URL | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (object.contentDisposition !== undefined) headers['content-disposition'] = object.contentDisposition;
  if (object.cacheControl !== undefined) headers['cache-control'] = object.cacheControl;
  for (const [k, v] of Object.entries(object.metadata ?? {})) headers[`x-goog-meta-${k}`] = v;
  if (object.kmsKeyName !== undefined) headers['x-goog-encryption-kms-key-name'] = `${object.kmsKeyName}/cryptoKeyVersions/1`;
  const disposition = url?.searchParams.get('response-content-disposition');
  if (disposition) headers['content-disposition'] = disposition;
  const type = url?.searchParams.get('response-content-type');
  if (type) headers['content-type'] = type;
  return headers;
}
