import { invalidArgument } from './s3-errors.js';
import { compareUtf8 } from './s3-keys.js';
import { xmlResponse, type S3Context, type S3Response } from './s3-request.js';
import type { KeyCursor } from './s3-sorted-keys.js';
import { canonicalUserId, isVersionIdShaped, type BucketState, type ObjectVersion } from './s3-store.js';
import { isoTime, tag, wrap, xmlDocument } from './s3-xml.js';

/**
 * ListObjectsV2, ListObjects (v1) and ListObjectVersions exactly as S3 pages them: keys in UTF-8
 * byte order, `prefix` and `delimiter` (common prefixes count towards max-keys and are skipped in
 * one seek), max-keys 0–1000, `start-after` / `marker` / an opaque continuation token,
 * `encoding-type=url`. A page walks the bucket's sorted index from a seek: O(log n + page).
 */

type Entry = { kind: 'object'; key: string; object: ObjectVersion } | { kind: 'prefix'; prefix: string };

interface Walk {
  entries: Entry[];
  truncated: boolean;
  /** The last entry returned (what a continuation resumes after). */
  last?: Entry;
}

function maxKeys(value: string | undefined, name = 'max-keys'): number {
  if (value === undefined) return 1000;
  if (!/^\d+$/.test(value)) throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Number(value), 1000);
}

/** Collects up to `max` live objects and common prefixes after `cursor`. */
function walk(bucket: BucketState, cursor: KeyCursor, prefix: string, delimiter: string | undefined, after: string | undefined, max: number): Walk {
  const entries: Entry[] = [];
  let truncated = false;
  let key: string | undefined;
  while ((key = cursor.key) !== undefined) {
    if (!key.startsWith(prefix)) break;
    const object = bucket.live(key);
    if (!object) { cursor.next(); continue; }
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter!.length);
      // A common prefix at or before the marker was already returned (or is being skipped by it).
      if (after !== undefined && compareUtf8(common, after) <= 0) { cursor = bucket.index.seekPastPrefix(common); continue; }
      if (entries.length >= max) { truncated = true; break; }
      entries.push({ kind: 'prefix', prefix: common });
      cursor = bucket.index.seekPastPrefix(common);
      continue;
    }
    if (entries.length >= max) { truncated = true; break; }
    entries.push({ kind: 'object', key, object });
    cursor.next();
  }
  return { entries, truncated, ...(entries.length > 0 ? { last: entries[entries.length - 1]! } : {}) };
}

function startCursor(bucket: BucketState, prefix: string, after: string | undefined) {
  return after !== undefined && compareUtf8(after, prefix) >= 0 ? bucket.index.seek(after, false) : bucket.index.seek(prefix, true);
}

/** S3's `encoding-type=url`: form-style (space as +), keeping `/` and `*`, UTF-8 bytes as %XX. */
export function s3UrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/%2F/g, '/').replace(/[!'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+').replace(/~/g, '%7E');
}

function encoder(query: ReadonlyMap<string, string>): (text: string) => string {
  const type = query.get('encoding-type');
  if (type === undefined) return (t) => t;
  if (type !== 'url') throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', type);
  return s3UrlEncode;
}

const owner = (accountId: string): string => wrap('Owner', tag('ID', canonicalUserId(accountId)));

function contents(bucket: BucketState, key: string, object: ObjectVersion, encode: (t: string) => string, withOwner: boolean): string {
  return wrap('Contents', tag('Key', encode(key)) + tag('LastModified', isoTime(object.lastModified)) + tag('ETag', object.etag)
    + (object.checksum ? tag('ChecksumAlgorithm', object.checksum.algorithm) + tag('ChecksumType', object.checksum.type) : '')
    + tag('Size', object.size) + (withOwner ? owner(bucket.owner) : '') + tag('StorageClass', object.attrs?.storageClass ?? 'STANDARD'));
}

const commonPrefixes = (entries: Entry[], encode: (t: string) => string): string =>
  entries.flatMap((e) => (e.kind === 'prefix' ? [wrap('CommonPrefixes', tag('Prefix', encode(e.prefix)))] : [])).join('');

interface Token { k: string; p: boolean }

function encodeToken(entry: Entry): string {
  const token: Token = entry.kind === 'prefix' ? { k: entry.prefix, p: true } : { k: entry.key, p: false };
  return Buffer.from(`fake-s3:${JSON.stringify(token)}`).toString('base64');
}

function decodeToken(value: string): Token {
  const bad = () => invalidArgument('The continuation token provided is incorrect', 'continuation-token', value);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) throw bad();
  const text = Buffer.from(value, 'base64').toString('utf8');
  if (!text.startsWith('fake-s3:')) throw bad();
  try {
    const token = JSON.parse(text.slice('fake-s3:'.length)) as Partial<Token>;
    if (typeof token.k !== 'string' || typeof token.p !== 'boolean') throw bad();
    return { k: token.k, p: token.p };
  } catch {
    throw bad();
  }
}

const bucketLabel = (ctx: S3Context): string => ctx.accessPoint?.alias ?? ctx.bucket.name;

export function listObjectsV2(ctx: S3Context): S3Response {
  const { query } = ctx.req;
  const { bucket } = ctx;
  const encode = encoder(query);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const max = maxKeys(query.get('max-keys'));
  const startAfter = query.get('start-after') || undefined;
  const tokenText = query.get('continuation-token');
  const token = tokenText !== undefined ? decodeToken(tokenText) : undefined;
  let result: Walk = { entries: [], truncated: false };
  if (max > 0) {
    if (token) {
      const cursor = token.p ? bucket.index.seekPastPrefix(token.k) : bucket.index.seek(token.k, false);
      const from = compareUtf8(token.k, prefix) >= 0 ? cursor : bucket.index.seek(prefix, true);
      result = walk(bucket, from, prefix, delimiter, token.k, max);
    } else {
      result = walk(bucket, startCursor(bucket, prefix, startAfter), prefix, delimiter, startAfter, max);
    }
  }
  const withOwner = query.get('fetch-owner') === 'true';
  const xml = tag('Name', bucketLabel(ctx)) + tag('Prefix', encode(prefix)) + tag('KeyCount', result.entries.length) + tag('MaxKeys', max)
    + (delimiter !== undefined ? tag('Delimiter', encode(delimiter)) : '') + tag('IsTruncated', result.truncated)
    + (tokenText !== undefined ? tag('ContinuationToken', tokenText) : '')
    + (result.truncated && result.last ? tag('NextContinuationToken', encodeToken(result.last)) : '')
    + (startAfter !== undefined ? tag('StartAfter', encode(startAfter)) : '')
    + (query.has('encoding-type') ? tag('EncodingType', 'url') : '')
    + result.entries.map((e) => (e.kind === 'object' ? contents(bucket, e.key, e.object, encode, withOwner) : '')).join('')
    + commonPrefixes(result.entries, encode);
  return xmlResponse(200, xmlDocument('ListBucketResult', xml));
}

export function listObjectsV1(ctx: S3Context): S3Response {
  const { query } = ctx.req;
  const { bucket } = ctx;
  const encode = encoder(query);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const max = maxKeys(query.get('max-keys'));
  const marker = query.get('marker') || undefined;
  const result = max > 0 ? walk(bucket, startCursor(bucket, prefix, marker), prefix, delimiter, marker, max) : { entries: [], truncated: false };
  const last = result.entries.at(-1);
  // NextMarker is only sent with a delimiter; without one, clients resume after the last key.
  const nextMarker = result.truncated && delimiter !== undefined && last ? (last.kind === 'prefix' ? last.prefix : last.key) : undefined;
  const xml = tag('Name', bucketLabel(ctx)) + tag('Prefix', encode(prefix)) + tag('Marker', encode(marker ?? ''))
    + (nextMarker !== undefined ? tag('NextMarker', encode(nextMarker)) : '') + tag('MaxKeys', max)
    + (delimiter !== undefined ? tag('Delimiter', encode(delimiter)) : '') + tag('IsTruncated', result.truncated)
    + (query.has('encoding-type') ? tag('EncodingType', 'url') : '')
    + result.entries.map((e) => (e.kind === 'object' ? contents(bucket, e.key, e.object, encode, true) : '')).join('')
    + commonPrefixes(result.entries, encode);
  return xmlResponse(200, xmlDocument('ListBucketResult', xml));
}

export function listObjectVersions(ctx: S3Context): S3Response {
  const { query } = ctx.req;
  const { bucket } = ctx;
  const encode = encoder(query);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const max = maxKeys(query.get('max-keys'));
  const keyMarker = query.get('key-marker') || undefined;
  const versionIdMarker = query.get('version-id-marker') || undefined;
  if (versionIdMarker !== undefined && keyMarker === undefined) throw invalidArgument('A version-id marker cannot be specified without a key marker.', 'version-id-marker', versionIdMarker);
  if (versionIdMarker !== undefined && !isVersionIdShaped(versionIdMarker)) throw invalidArgument('Invalid version id specified', 'version-id-marker', versionIdMarker);

  const items: string[] = [];
  const prefixes: string[] = [];
  let count = 0;
  let truncated = false;
  let nextKey: string | undefined;
  let nextVersion: string | undefined;
  let cursor = keyMarker === undefined ? bucket.index.seek(prefix, true)
    : versionIdMarker !== undefined ? bucket.index.seek(keyMarker, true) : startCursor(bucket, prefix, keyMarker);
  let key: string | undefined;
  outer: while (max > 0 && (key = cursor.key) !== undefined) {
    if (compareUtf8(key, prefix) < 0) { cursor = bucket.index.seek(prefix, true); continue; }
    if (!key.startsWith(prefix)) break;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    if (cut >= 0) {
      const common = key.slice(0, cut + delimiter!.length);
      if (keyMarker !== undefined && compareUtf8(common, keyMarker) <= 0) { cursor = bucket.index.seekPastPrefix(common); continue; }
      if (count >= max) { truncated = true; break; }
      prefixes.push(wrap('CommonPrefixes', tag('Prefix', encode(common))));
      count++;
      nextKey = common;
      nextVersion = undefined;
      cursor = bucket.index.seekPastPrefix(common);
      continue;
    }
    let versions = bucket.versions(key);
    if (key === keyMarker && versionIdMarker !== undefined) {
      const at = versions.findIndex((v) => v.versionId === versionIdMarker);
      versions = at >= 0 ? versions.slice(at + 1) : [];
    }
    for (const v of versions) {
      if (count >= max) { truncated = true; break outer; }
      const isLatest = v === bucket.current(key);
      const common = tag('Key', encode(key)) + tag('VersionId', v.versionId) + tag('IsLatest', isLatest) + tag('LastModified', isoTime(v.lastModified));
      items.push(v.deleteMarker
        ? wrap('DeleteMarker', common + owner(bucket.owner))
        : wrap('Version', common + tag('ETag', v.etag) + (v.checksum ? tag('ChecksumAlgorithm', v.checksum.algorithm) + tag('ChecksumType', v.checksum.type) : '')
          + tag('Size', v.size) + tag('StorageClass', v.attrs?.storageClass ?? 'STANDARD') + owner(bucket.owner)));
      count++;
      nextKey = key;
      nextVersion = v.versionId;
    }
    cursor.next();
  }
  const xml = tag('Name', bucketLabel(ctx)) + tag('Prefix', encode(prefix)) + tag('KeyMarker', encode(keyMarker ?? '')) + tag('VersionIdMarker', versionIdMarker ?? '')
    + (truncated ? tag('NextKeyMarker', encode(nextKey ?? '')) + (nextVersion !== undefined ? tag('NextVersionIdMarker', nextVersion) : '') : '')
    + tag('MaxKeys', max) + (delimiter !== undefined ? tag('Delimiter', encode(delimiter)) : '') + tag('IsTruncated', truncated)
    + (query.has('encoding-type') ? tag('EncodingType', 'url') : '')
    + items.join('') + prefixes.join('');
  return xmlResponse(200, xmlDocument('ListVersionsResult', xml));
}
