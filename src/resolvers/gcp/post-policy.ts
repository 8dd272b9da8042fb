import type { PresignedPost } from '../../upload-types.js';
import type { UrlSigner } from './credentials.js';
import { formatV4Timestamp, V4_ALGORITHM } from './v4-signer.js';

/**
 * A Cloud Storage V4 POST policy (what @google-cloud/storage `generateSignedPostPolicyV4` builds):
 * the base64 policy document is signed (RSA-SHA256, locally with a key or by IAM signBlob as the
 * impersonated service account) and the signature sent hex-encoded. Bucket and key are fixed,
 * sizes limited by `content-length-range`, and every form field is covered by a condition.
 */
export async function gcsPostPolicy(input: {
  signer: UrlSigner; endpoint: string; bucket: string; key: string; now: number; ttlSeconds: number; maxBytes: number; contentType?: string;
}): Promise<PresignedPost> {
  const signedAt = new Date(Math.floor(input.now / 1000) * 1000);
  const timestamp = formatV4Timestamp(signedAt);
  const expiresAt = new Date(signedAt.getTime() + input.ttlSeconds * 1000);
  const fields: Record<string, string> = {
    key: input.key,
    ...(input.contentType !== undefined ? { 'Content-Type': input.contentType } : {}),
    'x-goog-date': timestamp,
    'x-goog-credential': `${input.signer.email}/${timestamp.slice(0, 8)}/auto/storage/goog4_request`,
    'x-goog-algorithm': V4_ALGORITHM,
  };
  const conditions: unknown[] = [
    { bucket: input.bucket },
    ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
    ['content-length-range', 0, input.maxBytes],
  ];
  const policy = Buffer.from(JSON.stringify({ conditions, expiration: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') }), 'utf8').toString('base64');
  const signature = Buffer.from(await input.signer.sign(policy)).toString('hex');
  return { url: `${input.endpoint}/${encodeURIComponent(input.bucket)}/`, fields: { ...fields, policy, 'x-goog-signature': signature }, expiresAt };
}
