/**
 * `{ kind: 'anonymous' }`: public buckets and containers (a bucket policy with Principal "*", a
 * GCS bucket readable by allUsers, an Azure container with public access "blob" or "container").
 *
 * Requests go out unsigned and carry no identity of any kind: not the platform's, not the
 * environment's (AWS_ACCESS_KEY_ID, Application Default Credentials, managed identity), not the
 * customer's. A refusal is final (ACCESS_DENIED): nothing retries it with a stronger identity,
 * because reaching a private bucket through the platform's identity is exactly the confused-deputy
 * mistake this kind must never make. Anonymous integrations are always read-only (validation
 * refuses read-write).
 *
 * Presigning returns the plain object URL: there is nothing to sign. `expiresAt` is the requested
 * TTL (bounded like any presign), and the docs say what it means: the time until which assetlink
 * vouches for the URL, not a time at which the URL stops working — a public object's URL works
 * for as long as the customer keeps it public (docs/providers/*.md, "Public buckets").
 */

/** What the S3 client is given: a signer that leaves requests untouched and an empty identity. */
export function anonymousS3ClientOptions(): {
  signer: { sign: <R>(request: R) => Promise<R> };
  credentials: () => Promise<{ accessKeyId: string; secretAccessKey: string }>;
} {
  return {
    // The SDK still resolves an identity before signing; a constant empty one keeps it from ever
    // consulting its default chain (environment, profile, IMDS).
    credentials: Object.assign(async () => ({ accessKeyId: '', secretAccessKey: '' }), { memoized: true }),
    signer: { sign: async (request) => request },
  };
}

/** Describes the identity an anonymous integration uses, for verify reports. */
export const ANONYMOUS_DETAIL = 'anonymous: unsigned requests, no identity (public bucket or container)';

/** Expiry claimed for the plain URL of a public object: the requested TTL from now. */
export function publicUrlExpiry(nowMs: number, ttlSeconds: number): Date {
  return new Date(Math.floor(nowMs / 1000) * 1000 + ttlSeconds * 1000);
}
