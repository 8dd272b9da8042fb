import type { IncomingHttpHeaders } from 'node:http';
import type { AwsKeyEntry } from './keyring.js';
import type { VerifiedRequest } from './sigv4-verify.js';

/**
 * Unsigned (anonymous) requests, as S3 serves them: a request with no `Authorization` header and
 * no SigV4 query parameters is made by the anonymous principal. It matches bucket-policy
 * statements whose Principal is `"*"` (or `{ "AWS": "*" }`) and nothing else: it has no identity
 * policies, no account, and is never the bucket owner, so without such a statement every
 * operation is AccessDenied. Access points, ListBuckets and CreateBucket are refused to it.
 */

/** The one anonymous caller; compared by identity (`isAnonymous`). */
export const ANONYMOUS_CALLER: AwsKeyEntry = Object.freeze({
  accessKeyId: '',
  secretAccessKey: '',
  accountId: '',
  principalArn: '*',
  policies: Object.freeze([]) as unknown as AwsKeyEntry['policies'],
}) as AwsKeyEntry;

export function isAnonymous(caller: AwsKeyEntry): boolean {
  return caller === ANONYMOUS_CALLER;
}

/** True when the request carries no signature at all (header or query). A partial signature is not anonymous: SigV4 verification refuses it. */
export function isUnsignedRequest(headers: IncomingHttpHeaders, query: ReadonlyMap<string, string>): boolean {
  if (headers.authorization !== undefined) return false;
  for (const name of ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Security-Token', 'AWSAccessKeyId', 'Signature']) {
    if (query.has(name)) return false;
  }
  return headers['x-amz-security-token'] === undefined;
}

/**
 * What the front works with for an anonymous request. There is no signed region: the fake has
 * one endpoint for every region, so the bucket's own region stands in (real S3 knows the region
 * from the host the request was sent to).
 */
export function anonymousVerification(region: string, payloadHash: string): VerifiedRequest {
  return { ok: true, key: ANONYMOUS_CALLER, region, presigned: false, payloadHash, amzDate: '', scope: '', signature: '', signingKey: Buffer.alloc(0) };
}
