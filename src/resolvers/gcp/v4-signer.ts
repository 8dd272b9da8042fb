import { createHash } from 'node:crypto';

/**
 * Google Cloud Storage V4 signed URLs (GOOG4-RSA-SHA256), written by hand so that:
 * - a service-account key signs locally with one KeyObject parsed once (the SDK re-parses the PEM
 *   and builds a signer per URL);
 * - impersonated identities sign the same string-to-sign with IAM `signBlob`.
 * Checked byte for byte against Google's conformance vectors (test/fixtures/v4_signatures.json).
 */

/** GCS refuses V4 signed URLs that live longer than 7 days. */
export const V4_MAX_EXPIRES_SECONDS = 604_800;
export const V4_ALGORITHM = 'GOOG4-RSA-SHA256';

export type V4UrlStyle = 'path' | 'virtual-hosted' | 'bucket-bound-hostname';

export interface V4SignRequest {
  /** HTTP verb the URL allows: GET, PUT, HEAD, DELETE, POST (resumable start). */
  method: string;
  bucket: string;
  /** Object name taken literally; omitted for a bucket-level URL (listing). */
  object?: string;
  /** Origin the URL names, e.g. `https://storage.googleapis.com` or `http://127.0.0.1:4443`. */
  endpoint: string;
  /** Default `path`: `/bucket/object`. `virtual-hosted` prefixes the host with the bucket. */
  urlStyle?: V4UrlStyle;
  /** Service account whose key (or signBlob) produces the signature. */
  clientEmail: string;
  timestamp: Date;
  /** 1 … 604 800 seconds. */
  expiresSeconds: number;
  /** Headers the request must carry; they become part of the signature. */
  headers?: Record<string, string>;
  /** Extra query parameters that become part of the signature. */
  queryParameters?: Record<string, string>;
  /**
   * Host value to sign. Default: the URL's host without its port, as Google's client libraries
   * sign it (a verifier may need to try the Host header with the port too).
   */
  signedHost?: string;
}

/** Everything needed to sign, and then to assemble the URL once the signature is known. */
export interface V4StringToSign {
  canonicalRequest: string;
  stringToSign: string;
  /** `scheme://host[:port]/path` of the URL. */
  resource: string;
  /** Sorted, encoded query without the signature. */
  canonicalQuery: string;
}

/** RFC 3986 strict encoding: encodeURIComponent leaves `!'()*` alone, GCS's canonical form does not. */
export function strictEncode(value: string): string {
  const encoded = encodeURIComponent(value);
  // Most names have none of these; skipping the replace keeps the signer's overhead near zero.
  return SUB_DELIMS.test(encoded) ? encoded.replace(SUB_DELIMS_GLOBAL, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : encoded;
}

const SUB_DELIMS = /[!'()*]/;
const SUB_DELIMS_GLOBAL = /[!'()*]/g;

/** Object names keep their `/` separators (even doubled or leading ones): each piece is encoded. */
export function encodePath(value: string): string {
  return value.split('/').map(strictEncode).join('/');
}

/** `20190201T090000Z` */
export function formatV4Timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Header values are trimmed and inner runs of whitespace collapse to one space. */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/[ \t]+/g, ' ');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function byCodeUnit(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Scheme and authority exactly as written: WHATWG URL would drop an explicit default port, yet a
 * URL for `https://storage.googleapis.com:443` must keep it (conformance: "endpoint on client").
 */
function parseEndpoint(endpoint: string): { scheme: string; authority: string } {
  const match = /^(https?):\/\/([^/?#@\s]+)\/?$/i.exec(endpoint);
  if (!match) throw new TypeError('a signing endpoint is scheme://host[:port] with no path');
  return { scheme: match[1]!.toLowerCase(), authority: match[2]!.toLowerCase() };
}

/** Builds the canonical request and string-to-sign of a V4 signed URL. Pure; no key involved. */
export function buildV4StringToSign(request: V4SignRequest): V4StringToSign {
  if (!Number.isInteger(request.expiresSeconds) || request.expiresSeconds < 1 || request.expiresSeconds > V4_MAX_EXPIRES_SECONDS) {
    throw new RangeError(`V4 signed URLs last 1 to ${V4_MAX_EXPIRES_SECONDS} seconds, not ${request.expiresSeconds}`);
  }
  const { scheme, authority } = parseEndpoint(request.endpoint);
  const style = request.urlStyle ?? 'path';
  const object = request.object;
  let host = authority;
  let path: string;
  if (style === 'path') {
    path = `/${strictEncode(request.bucket)}${object !== undefined ? `/${encodePath(object)}` : ''}`;
  } else {
    if (style === 'virtual-hosted') host = `${request.bucket}.${authority}`;
    path = `/${object !== undefined ? encodePath(object) : ''}`;
  }
  // Google's clients sign the host without its port (conformance: `localhost:8080` signs `localhost`).
  const signedHost = request.signedHost ?? host.replace(/:\d+$/, '');

  const timestamp = formatV4Timestamp(request.timestamp);
  const datestamp = timestamp.slice(0, 8);
  const credentialScope = `${datestamp}/auto/storage/goog4_request`;

  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers ?? {})) headers.set(name.toLowerCase().trim(), canonicalHeaderValue(value));
  headers.set('host', signedHost);
  const headerEntries = [...headers.entries()].sort(byCodeUnit);
  const signedHeaders = headerEntries.map(([name]) => name).join(';');
  const canonicalHeaders = headerEntries.map(([name, value]) => `${name}:${value}\n`).join('');

  const query: Array<[string, string]> = [
    ['X-Goog-Algorithm', V4_ALGORITHM],
    ['X-Goog-Credential', `${request.clientEmail}/${credentialScope}`],
    ['X-Goog-Date', timestamp],
    ['X-Goog-Expires', String(request.expiresSeconds)],
    ['X-Goog-SignedHeaders', signedHeaders],
    ...Object.entries(request.queryParameters ?? {}),
  ];
  const canonicalQuery = query
    .map(([name, value]): [string, string] => [strictEncode(name), strictEncode(value)])
    .sort(byCodeUnit)
    .map(([name, value]) => `${name}=${value}`)
    .join('&');

  const payloadHash = headers.get('x-goog-content-sha256') ?? 'UNSIGNED-PAYLOAD';
  const canonicalRequest = [request.method.toUpperCase(), path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const stringToSign = [V4_ALGORITHM, timestamp, credentialScope, sha256Hex(canonicalRequest)].join('\n');
  return { canonicalRequest, stringToSign, resource: `${scheme}://${host}${path}`, canonicalQuery };
}

/** Appends the hex signature to the canonical query: the URL is exactly what was signed. */
export function assembleV4Url(parts: V4StringToSign, signature: Uint8Array): string {
  return `${parts.resource}?${parts.canonicalQuery}&X-Goog-Signature=${Buffer.from(signature).toString('hex')}`;
}
