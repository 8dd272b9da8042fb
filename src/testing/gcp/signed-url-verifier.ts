import { verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { buildV4StringToSign, V4_ALGORITHM, V4_MAX_EXPIRES_SECONDS } from '../../resolvers/gcp/v4-signer.js';
import type { FakeGcpDirectory } from './directory.js';

/**
 * Verifies a V4 signed URL the way GCS does: rebuild the canonical request from what actually
 * arrived (method, path, query, the signed headers' values, Host), then check the RSA signature
 * with the signing service account's public key and the expiry window.
 */

export type SignedUrlVerdict =
  | { ok: true; signer: string; signedHeaders: string[] }
  | { ok: false; status: number; code: string; message: string };

const STANDARD = new Set(['X-Goog-Algorithm', 'X-Goog-Credential', 'X-Goog-Date', 'X-Goog-Expires', 'X-Goog-SignedHeaders', 'X-Goog-Signature']);
const CLOCK_SKEW_MS = 15 * 60_000;

export function isSignedUrlRequest(url: URL): boolean {
  return url.searchParams.has('X-Goog-Signature');
}

function parseTimestamp(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

export function verifySignedUrl(
  req: IncomingMessage,
  url: URL,
  target: { bucket: string; object?: string },
  directory: FakeGcpDirectory,
): SignedUrlVerdict {
  const q = url.searchParams;
  const refuse = (code: string, message: string, status = 403): SignedUrlVerdict => ({ ok: false, status, code, message });
  if (q.get('X-Goog-Algorithm') !== V4_ALGORITHM) return refuse('InvalidArgument', 'unsupported X-Goog-Algorithm', 400);
  const credential = q.get('X-Goog-Credential') ?? '';
  const credentialParts = credential.split('/');
  const signer = credentialParts[0] ?? '';
  const timestamp = parseTimestamp(q.get('X-Goog-Date') ?? '');
  const expires = Number(q.get('X-Goog-Expires'));
  const signedHeaderNames = (q.get('X-Goog-SignedHeaders') ?? '').split(';').filter(Boolean);
  const signature = q.get('X-Goog-Signature') ?? '';
  if (credentialParts.length !== 5 || credentialParts.slice(2).join('/') !== 'auto/storage/goog4_request' || timestamp === undefined) {
    return refuse('AuthorizationQueryParametersError', 'malformed X-Goog-Credential or X-Goog-Date', 400);
  }
  if (!Number.isInteger(expires) || expires < 1 || expires > V4_MAX_EXPIRES_SECONDS) {
    return refuse('AuthorizationQueryParametersError', `X-Goog-Expires must be 1 to ${V4_MAX_EXPIRES_SECONDS}`, 400);
  }
  if (!signedHeaderNames.includes('host')) return refuse('AuthorizationQueryParametersError', 'host must be a signed header', 400);

  const now = directory.now();
  if (now > timestamp + expires * 1000) return refuse('ExpiredToken', 'The provided token has expired.');
  if (timestamp > now + CLOCK_SKEW_MS) return refuse('RequestNotYetValid', 'The request is dated in the future.');

  const account = directory.serviceAccount(signer);
  if (!account) return refuse('SignatureDoesNotMatch', 'unknown signer');

  const headers: Record<string, string> = {};
  for (const name of signedHeaderNames) {
    if (name === 'host') continue;
    const value = req.headers[name];
    if (value === undefined) return refuse('SignatureDoesNotMatch', `signed header ${name} missing from the request`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const queryParameters: Record<string, string> = {};
  for (const [name, value] of q) if (!STANDARD.has(name)) queryParameters[name] = value;

  // Google's clients sign the host without its port; others may sign it with. Accept either.
  const hostHeader = req.headers.host ?? '';
  const candidates = new Set([hostHeader, hostHeader.replace(/:\d+$/, '')]);
  const signatureBytes = /^[0-9a-f]+$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  for (const signedHost of candidates) {
    const parts = buildV4StringToSign({
      method: req.method ?? 'GET',
      bucket: target.bucket,
      ...(target.object !== undefined ? { object: target.object } : {}),
      endpoint: `http://${hostHeader || 'localhost'}`,
      clientEmail: signer,
      timestamp: new Date(timestamp),
      expiresSeconds: expires,
      headers,
      queryParameters,
      signedHost,
    });
    // The credential's date and the signed header list must be exactly what the signature covers.
    if (!parts.canonicalQuery.includes(`X-Goog-Credential=${encodeURIComponent(credential)}`)) break;
    if (verify('sha256', Buffer.from(parts.stringToSign), account.publicKey, signatureBytes)) {
      return { ok: true, signer, signedHeaders: signedHeaderNames };
    }
  }
  return refuse('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
}
