import { InvalidArgumentError } from '../errors.js';
import type { ObjectTarget } from '../resolvers/driver.js';
import type { UploadSession } from '../resolvers/uploads/driver-uploads.js';

/**
 * Upload ids: `alu1.` + base64url JSON of the provider's upload id, the plan's geometry and the
 * asset it was created for (provider, integration, account, bucket, key). Nothing secret is in it.
 *
 * Binding: an id is accepted only by an asset of the same integration and exactly the same
 * location, and every provider call uses the asset's own (scope-checked) location, never one read
 * from the id. A forged id naming another key or bucket is refused here; a provider upload id
 * copied from another key's upload is refused by the provider (S3 and Azure bind uploads and
 * blocks to their key; a GCS session is a bearer capability for its own object only).
 */

const PREFIX = 'alu1.';
/** Keys are ≤ 1024 bytes; this leaves room for the rest and refuses megabyte-sized junk early. */
const MAX_LENGTH = 8192;

interface Payload {
  p: string; i: string; a?: string; b: string; k: string;
  u: string; s: number; ps: number; ct?: string;
}

export function encodeUploadId(target: ObjectTarget, session: UploadSession): string {
  const { location, integration } = target;
  const payload: Payload = {
    p: location.provider, i: integration.id, ...(location.account !== undefined ? { a: location.account } : {}),
    b: location.bucket, k: location.key, u: session.providerId, s: session.size, ps: session.partSize,
    ...(session.contentType !== undefined ? { ct: session.contentType } : {}),
  };
  return PREFIX + Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

export function decodeUploadId(uploadId: unknown, target: ObjectTarget): UploadSession {
  const { location, integration } = target;
  const bad = (why: string): InvalidArgumentError => new InvalidArgumentError(
    `uploadId ${why}: pass the uploadId that createUpload returned for ${location.uri}, to the same asset`,
    { integrationId: integration.id, uri: location.uri },
  );
  if (typeof uploadId !== 'string' || !uploadId.startsWith(PREFIX) || uploadId.length > MAX_LENGTH) throw bad('is not an assetlink upload id');
  let payload: Payload;
  try {
    payload = JSON.parse(Buffer.from(uploadId.slice(PREFIX.length), 'base64url').toString('utf8')) as Payload;
  } catch {
    throw bad('is malformed');
  }
  const ok = typeof payload === 'object' && payload !== null && typeof payload.u === 'string' && payload.u !== ''
    && Number.isSafeInteger(payload.s) && payload.s > 0 && Number.isSafeInteger(payload.ps) && payload.ps > 0
    && (payload.ct === undefined || typeof payload.ct === 'string');
  if (!ok) throw bad('is malformed');
  if (payload.p !== location.provider || payload.i !== integration.id || payload.a !== location.account
    || payload.b !== location.bucket || payload.k !== location.key) {
    throw bad('belongs to another object or integration');
  }
  return { providerId: payload.u, size: payload.s, partSize: payload.ps, ...(payload.ct !== undefined ? { contentType: payload.ct } : {}) };
}
