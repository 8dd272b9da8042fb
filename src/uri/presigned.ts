import type { PresignedInfo } from '../types.js';
import { UriProblem } from './fail.js';
import { readQuery, type QueryParams } from './query.js';

/**
 * Recognises a URL that already carries a signature, and reports what it claims about its
 * lifetime only when the claim is one the provider would honour: a SigV4 or V4 URL whose
 * `X-…-Expires` is beyond the 7-day maximum, not a positive integer, or whose `X-…-Date` is not a
 * real UTC instant is refused by S3 and GCS, so it is INVALID_URI here rather than a URL reported
 * as valid for longer than it ever is. An already-expired URL still parses (parsing has no clock);
 * its `expiresAt` lies in the past and presigning it fails with INVALID_TTL.
 */

/** S3 (SigV4 query auth) and GCS (V4 signed URLs) refuse X-…-Expires above 7 days. */
export const MAX_SIGNED_URL_SECONDS = 604_800;

/** `20240101T000000Z`, the SigV4 / GOOG4 timestamp, checked as a real calendar instant. */
function compactDate(value: string | undefined, param: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (m === null) throw new UriProblem(`${param} must be a UTC timestamp such as 20240101T000000Z; the provider refuses this signed URL`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const time = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(time);
  // Date.UTC rolls 2024-02-30 over into March: a date that does not round-trip does not exist.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw new UriProblem(`${param}=${value ?? ''} is not a real date and time; the provider refuses this signed URL`);
  }
  return time;
}

function lifetime(value: string | undefined, param: string, max: number): number {
  if (value === undefined || !/^\d{1,12}$/.test(value)) {
    throw new UriProblem(`${param} must be a whole number of seconds (got ${JSON.stringify(value ?? '')}); the provider refuses this signed URL`);
  }
  const seconds = Number(value);
  if (seconds < 1) throw new UriProblem(`${param} must be at least 1 second; the provider refuses this signed URL`);
  if (seconds > max) {
    throw new UriProblem(`${param}=${seconds} exceeds the provider maximum of ${max} seconds (7 days): the provider refuses this signed URL, so it was never valid`);
  }
  return seconds;
}

function single(p: QueryParams, name: string): string | undefined {
  const values = p.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw new UriProblem(`the signed URL carries ${name} ${values.length} times; the provider refuses it`);
  return values[0] ?? '';
}

/**
 * Each parameter present is checked; the expiry is known only when both are present. A URL
 * missing one is refused by the provider anyway, and has no `expiresAt` here (presigning it
 * fails with INVALID_TTL because it states no expiry).
 */
function v4(p: QueryParams, prefix: 'X-Amz' | 'X-Goog'): Date | undefined {
  const date = single(p, `${prefix}-Date`);
  const expires = single(p, `${prefix}-Expires`);
  const start = date === undefined ? undefined : compactDate(date, `${prefix}-Date`);
  const seconds = expires === undefined ? undefined : lifetime(expires, `${prefix}-Expires`, MAX_SIGNED_URL_SECONDS);
  return start === undefined || seconds === undefined ? undefined : new Date(start + seconds * 1000);
}

function info(kind: PresignedInfo['kind'], expiresAt: Date | undefined): PresignedInfo {
  return expiresAt === undefined ? { kind } : { kind, expiresAt };
}

/** The ISO 8601 shapes Azure accepts for `st`/`se`: a date, or a UTC time to minutes or seconds. */
function azureTime(value: string | undefined, param: 'st' | 'se'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?Z)?$/.test(value)) {
    throw new UriProblem(`the SAS ${param}=${JSON.stringify(value)} is not an ISO 8601 UTC time; Azure refuses this SAS`);
  }
  const time = Date.parse(value);
  const day = Number(value.slice(8, 10));
  if (Number.isNaN(time) || new Date(time).getUTCDate() !== day) {
    throw new UriProblem(`the SAS ${param}=${value} is not a real date and time; Azure refuses this SAS`);
  }
  return time;
}

function azure(p: QueryParams): PresignedInfo {
  const start = azureTime(single(p, 'st'), 'st');
  const expiry = azureTime(single(p, 'se'), 'se');
  if (start !== undefined && expiry !== undefined && expiry <= start) {
    throw new UriProblem('the SAS expires (se) before it starts (st), so it was never valid');
  }
  return expiry === undefined ? { kind: 'azure' } : { kind: 'azure', expiresAt: new Date(expiry) };
}

function legacy(kind: 'aws' | 'gcp', p: QueryParams): PresignedInfo {
  const expires = single(p, 'Expires');
  if (expires === undefined) return { kind };
  if (!/^\d{1,12}$/.test(expires)) throw new UriProblem(`Expires must be epoch seconds (got ${JSON.stringify(expires)}); the provider refuses this signed URL`);
  return { kind, expiresAt: new Date(Number(expires) * 1000) };
}

/**
 * Parameter names are matched exactly, as the design says; the legacy V2 forms (`Signature` with
 * `AWSAccessKeyId` or `GoogleAccessId`) are recognised too so they are not re-signed blindly.
 */
export function presignedFrom(p: QueryParams): PresignedInfo | undefined {
  if (p.size === 0) return undefined;
  if (p.has('X-Amz-Signature')) return info('aws', v4(p, 'X-Amz'));
  if (p.has('X-Goog-Signature')) return info('gcp', v4(p, 'X-Goog'));
  if (p.has('sig')) return azure(p);
  if (p.has('Signature') && p.has('AWSAccessKeyId')) return legacy('aws', p);
  if (p.has('Signature') && p.has('GoogleAccessId')) return legacy('gcp', p);
  return undefined;
}

/** The detection on its own, for a raw query string (throws UriProblem for a URL the provider refuses). */
export function detectPresigned(query: string): PresignedInfo | undefined {
  return presignedFrom(readQuery(query));
}
