import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AwsKeyEntry, AwsKeyring } from './keyring.js';

/**
 * An independent SigV4 verifier for the fakes. It rebuilds the canonical request from the bytes
 * that arrived (raw path, raw query, received headers) rather than from what a client meant to
 * send, so it cannot share a bug with the signer under test.
 */

export interface SignedRequest {
  method: string;
  /** Request target exactly as received: percent-encoded path plus optional `?query`. */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface VerifyOptions {
  keyring: AwsKeyring;
  /** Service the credential scope must name (`s3`, `sts`). */
  service: string;
  now: number;
  /** Hex SHA-256 of the received body; required when the signature covers the payload. */
  bodySha256?: string;
}

export interface VerifiedRequest {
  ok: true;
  key: AwsKeyEntry;
  region: string;
  presigned: boolean;
  /** The payload hash the signature covered (a hex hash or one of the UNSIGNED/STREAMING markers). */
  payloadHash: string;
  amzDate: string;
  scope: string;
  signature: string;
  signingKey: Buffer;
}

export interface VerificationFailure { ok: false; status: number; code: string; message: string }

export type VerifyResult = VerifiedRequest | VerificationFailure;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_PRESIGN_SECONDS = 604_800;

const fail = (status: number, code: string, message: string): VerificationFailure => ({ ok: false, status, code, message });

export const sha256Hex = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding as SigV4 wants it: only A-Z a-z 0-9 - _ . ~ stay literal. */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try { return decodeURIComponent(text); } catch { return text; }
}

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** Raw query pairs as received, each name and value decoded once. */
export function parseRawQuery(query: string): Array<[string, string]> {
  if (query === '') return [];
  return query.split('&').filter((p) => p !== '').map((pair) => {
    const eq = pair.indexOf('=');
    return eq < 0 ? [safeDecode(pair), ''] : [safeDecode(pair.slice(0, eq)), safeDecode(pair.slice(eq + 1))];
  });
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(',') : value;
}

interface AuthParts {
  presigned: boolean;
  credential: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  token: string | undefined;
  expires?: number;
  payloadHash: string | undefined;
}

function readAuth(request: SignedRequest, query: Array<[string, string]>): AuthParts | VerificationFailure {
  const q = new Map(query);
  if (q.has('X-Amz-Algorithm')) {
    if (request.headers.authorization) return fail(400, 'InvalidArgument', 'Only one auth mechanism allowed');
    if (q.get('X-Amz-Algorithm') !== ALGORITHM) return fail(400, 'AuthorizationQueryParametersError', 'unsupported X-Amz-Algorithm');
    const expires = Number(q.get('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
      return fail(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be between 1 and 604800 seconds');
    }
    return {
      presigned: true,
      credential: q.get('X-Amz-Credential') ?? '',
      signedHeaders: (q.get('X-Amz-SignedHeaders') ?? '').split(';'),
      signature: q.get('X-Amz-Signature') ?? '',
      amzDate: q.get('X-Amz-Date') ?? '',
      token: q.get('X-Amz-Security-Token'),
      expires,
      payloadHash: q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
    };
  }
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) return fail(403, 'AccessDenied', 'unsigned requests are refused');
  const match = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization.trim());
  if (!match) return fail(400, 'AuthorizationHeaderMalformed', 'the authorization header is malformed');
  return {
    presigned: false,
    credential: match[1] ?? '',
    signedHeaders: (match[2] ?? '').split(';'),
    signature: match[3] ?? '',
    amzDate: headerValue(request.headers, 'x-amz-date') ?? '',
    token: headerValue(request.headers, 'x-amz-security-token'),
    payloadHash: headerValue(request.headers, 'x-amz-content-sha256'),
  };
}

/** Parses `YYYYMMDDTHHMMSSZ` into epoch ms. */
export function parseAmzDate(amzDate: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export function verifySigV4(request: SignedRequest, options: VerifyOptions): VerifyResult {
  const queryStart = request.url.indexOf('?');
  const rawPath = queryStart < 0 ? request.url : request.url.slice(0, queryStart);
  const query = parseRawQuery(queryStart < 0 ? '' : request.url.slice(queryStart + 1));
  const auth = readAuth(request, query);
  if ('ok' in auth) return auth;

  const [accessKeyId, date, region, service, terminator, ...extra] = auth.credential.split('/');
  if (!accessKeyId || !date || !region || service !== options.service || terminator !== 'aws4_request' || extra.length > 0) {
    return fail(400, 'AuthorizationHeaderMalformed', `credential scope must be <key>/<date>/<region>/${options.service}/aws4_request`);
  }
  const requestTime = parseAmzDate(auth.amzDate);
  if (requestTime === undefined || !auth.amzDate.startsWith(date)) return fail(403, 'AccessDenied', 'X-Amz-Date is missing or does not match the credential date');

  const key = options.keyring.get(accessKeyId);
  if (!key) {
    return options.service === 's3'
      ? fail(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.')
      : fail(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  if ((key.sessionToken ?? undefined) !== auth.token) {
    return fail(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  if (key.expiresAt !== undefined && options.now >= key.expiresAt) {
    return fail(400, 'ExpiredToken', 'The provided token has expired.');
  }
  if (auth.expires !== undefined && options.now > requestTime + auth.expires * 1000) {
    return fail(403, 'AccessDenied', 'Request has expired');
  }

  if (!auth.signedHeaders.includes('host')) return fail(403, 'AccessDenied', 'the host header must be signed');
  const unsigned = Object.keys(request.headers).filter((name) => name.startsWith('x-amz-') && !auth.signedHeaders.includes(name));
  // S3 refuses x-amz-* headers that the signature does not cover; otherwise a presigned URL
  // could be replayed with, say, a different x-amz-acl.
  if (unsigned.length > 0) return fail(403, 'AccessDenied', `There were headers present in the request which were not signed: ${unsigned.join(', ')}`);

  let payloadHash = auth.payloadHash;
  if (payloadHash === undefined) {
    if (options.service === 's3') return fail(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
    payloadHash = options.bodySha256;
    if (payloadHash === undefined) return fail(500, 'InternalError', 'verifier needs the body hash');
  }
  if (/^[0-9a-f]{64}$/.test(payloadHash) && options.bodySha256 !== undefined && payloadHash !== options.bodySha256) {
    return fail(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }

  const canonicalUri = rawPath.split('/').map((segment) => rfc3986(safeDecode(segment))).join('/') || '/';
  const canonicalQuery = query
    .filter(([name]) => !(auth.presigned && name === 'X-Amz-Signature'))
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [request.method, canonicalUri, canonicalQuery, canonicalHeaders, auth.signedHeaders.join(';'), payloadHash].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${auth.amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signingKey = deriveSigningKey(key.secretAccessKey, date, region, service);
  const expected = hmac(signingKey, stringToSign);
  const given = Buffer.from(auth.signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return fail(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  return { ok: true, key, region, presigned: auth.presigned, payloadHash, amzDate: auth.amzDate, scope, signature: auth.signature, signingKey };
}

/** Chunk signature of aws-chunked STREAMING-AWS4-HMAC-SHA256-PAYLOAD bodies. */
export function chunkSignature(signingKey: Buffer, amzDate: string, scope: string, previous: string, chunk: Uint8Array): string {
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, previous, sha256Hex(''), sha256Hex(chunk)].join('\n');
  return hmac(signingKey, stringToSign).toString('hex');
}

/** Trailer signature of STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER bodies. */
export function trailerSignature(signingKey: Buffer, amzDate: string, scope: string, previous: string, trailerLines: string): string {
  const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, previous, sha256Hex(trailerLines)].join('\n');
  return hmac(signingKey, stringToSign).toString('hex');
}
