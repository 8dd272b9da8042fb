import { noSuchKey, notImplemented, preconditionFailed } from './s3-errors.js';
import type { ObjectVersion } from './s3-store.js';

/**
 * Conditional requests as S3 evaluates them.
 * Reads (GET, HEAD): If-Match, then If-Unmodified-Since (ignored when If-Match is present) → 412;
 * If-None-Match, then If-Modified-Since (ignored when If-None-Match is present) → 304.
 * Writes (PutObject, CompleteMultipartUpload, CopyObject destination): `If-None-Match: *` → 412 when
 * the key has a current object; `If-Match: ETAG` → 404 NoSuchKey when it has none, 412 when the
 * ETag differs. Deletes: `If-Match` likewise (`*` = "exists").
 */

export type Header = (name: string) => string | undefined;

/** ETags in a condition header, unquoted (S3 compares the value with or without quotes). */
function etagList(value: string): string[] {
  return value.split(',').map((s) => s.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1')).filter((s) => s !== '');
}
const unquote = (etag: string): string => etag.replace(/^"(.*)"$/, '$1');

function etagMatches(value: string, etag: string): boolean {
  const list = etagList(value);
  return list.includes('*') || list.includes(unquote(etag));
}

/** Parses an HTTP date; invalid dates make the condition be ignored, as HTTP requires. */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/** Evaluates GET/HEAD conditions: undefined (serve), 304, or throws 412. */
export function checkReadConditions(header: Header, object: ObjectVersion, now: number): 'not-modified' | undefined {
  const modified = Math.floor(object.lastModified / 1000);
  const ifMatch = header('if-match');
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  } else {
    const since = httpDateSeconds(header('if-unmodified-since'));
    if (since !== undefined && modified > since) throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = header('if-none-match');
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) return 'not-modified';
  } else {
    const since = httpDateSeconds(header('if-modified-since'));
    // A date in the future is not a valid validator (RFC 9110 §13.1.3).
    if (since !== undefined && since * 1000 <= now && modified <= since) return 'not-modified';
  }
  return undefined;
}

/** Evaluates write preconditions against the key's current object (`undefined` when absent or a delete marker). */
export function checkWriteConditions(header: Header, key: string, current: ObjectVersion | undefined): void {
  const ifNoneMatch = header('if-none-match');
  const ifMatch = header('if-match');
  if (ifNoneMatch !== undefined && ifMatch !== undefined) throw notImplemented('If-Match together with If-None-Match');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw notImplemented('If-None-Match with a value other than *');
    if (current) throw preconditionFailed('If-None-Match');
  }
  if (ifMatch !== undefined) {
    if (!current) throw noSuchKey(key);
    if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
  }
}

/** Evaluates `If-Match` of a DeleteObject (or one entry of DeleteObjects). */
export function checkDeleteCondition(ifMatch: string | undefined, key: string, current: ObjectVersion | undefined): void {
  if (ifMatch === undefined) return;
  if (!current) throw noSuchKey(key);
  if (!etagMatches(ifMatch, current.etag)) throw preconditionFailed('If-Match');
}

/** True when the value names a specific ETag (not `*`): S3 then also requires s3:GetObject. */
export const namesEtag = (value: string | undefined): boolean => value !== undefined && value.trim() !== '*';
