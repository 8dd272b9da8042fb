import type { Provider } from '../types.js';

/**
 * Percent-encodes one key for a URL path: every byte except the RFC 3986 unreserved characters
 * (`A-Z a-z 0-9 - . _ ~`) is escaped, segment by segment, so '/' stays the separator. This is
 * also the encoding SigV4 expects, so a key round-trips through S3, GCS and Azure unchanged.
 */
export function encodeKeyForUrl(key: string): string {
  return key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');
}

/** `https://host[:port]/encoded/key`. */
export function httpsUri(host: string, key: string, port?: number): string {
  return `https://${host}${port === undefined ? '' : `:${port}`}/${encodeKeyForUrl(key)}`;
}

export function azureBlobUri(account: string, container: string, key: string): string {
  return `https://${account}.blob.core.windows.net/${container}/${encodeKeyForUrl(key)}`;
}

/**
 * The canonical URI of a location. Bucket-only locations end in '/', so `uri` is always the
 * bucket's URI followed by the key. In s3://, gs://, az:// and memory:// forms the key is
 * literal; in https and file forms each segment is percent-encoded.
 */
export function canonicalUri(provider: Provider, bucket: string, key: string, account?: string): string {
  switch (provider) {
    case 'aws':
      return `s3://${bucket}/${key}`;
    case 'gcp':
      return `gs://${bucket}/${key}`;
    case 'azure':
      return account === undefined ? `az://${bucket}/${key}` : azureBlobUri(account, bucket, key);
    case 'https':
      return httpsUri(bucket, key);
    case 'file':
      return `file:///${encodeKeyForUrl(key)}`;
    case 'memory':
      return `memory://${bucket}/${key}`;
  }
}

/**
 * Segment-aware prefix test: "images" (or "images/") covers "images/a.jpg" but neither
 * "images-old/a.jpg" nor "images" itself; '' covers every key.
 */
export function isUnder(key: string, prefix: string): boolean {
  const base = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (base === '') return true;
  return key.length > base.length + 1 && key.startsWith(`${base}/`);
}

/**
 * Joins key parts with single slashes, ignoring empty parts and slashes at the joins; a trailing
 * '/' on the last part survives, since it marks a folder-like key.
 */
export function joinKey(...parts: string[]): string {
  const joined = parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
  return joined !== '' && (parts[parts.length - 1] ?? '').endsWith('/') ? `${joined}/` : joined;
}
