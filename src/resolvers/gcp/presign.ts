import type { PresignedUrl } from '../../types.js';
import type { DriverPresignRequest, ObjectTarget } from '../driver.js';
import type { UrlSigner } from './credentials.js';
import { assembleV4Url, buildV4StringToSign, V4_MAX_EXPIRES_SECONDS } from './v4-signer.js';

/**
 * A V4 signed GET or PUT URL. The signing time is whole seconds (X-Goog-Date has no fraction), so
 * `expiresAt` is computed from the same truncated instant GCS will use: never later than the truth.
 * PUT URLs bind Content-Type when one is given; the caller must send exactly that header.
 */
export async function presignV4(
  target: ObjectTarget,
  request: DriverPresignRequest,
  signer: UrlSigner,
  endpoint: string,
  now: number,
  kmsKeyName?: string,
): Promise<PresignedUrl> {
  const signedAt = Math.floor(now / 1000) * 1000;
  const ttlSeconds = Math.min(request.ttlSeconds, V4_MAX_EXPIRES_SECONDS);
  const headers: Record<string, string> = {};
  if (request.method === 'PUT' && request.contentType) headers['Content-Type'] = request.contentType;
  // The XML API's CMEK header: signed, so an upload through the URL cannot drop the key.
  if (request.method === 'PUT' && kmsKeyName !== undefined) headers['x-goog-encryption-kms-key-name'] = kmsKeyName;
  const query: Record<string, string> = {};
  // A pinned generation is signed into the URL: the XML API serves exactly that generation.
  if (target.location.version !== undefined && request.method === 'GET') query.generation = target.location.version;
  if (request.method === 'GET' && request.responseContentDisposition !== undefined) query['response-content-disposition'] = request.responseContentDisposition;
  if (request.method === 'GET' && request.responseContentType !== undefined) query['response-content-type'] = request.responseContentType;
  const parts = buildV4StringToSign({
    method: request.method,
    bucket: target.location.bucket,
    object: target.location.key,
    endpoint,
    clientEmail: signer.email,
    timestamp: new Date(signedAt),
    expiresSeconds: ttlSeconds,
    headers,
    ...(Object.keys(query).length > 0 ? { queryParameters: query } : {}),
  });
  const signature = await signer.sign(parts.stringToSign);
  return { url: assembleV4Url(parts, signature), method: request.method, expiresAt: new Date(signedAt + ttlSeconds * 1000), headers };
}
