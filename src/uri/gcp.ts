import { UriProblem } from './fail.js';

export interface GcpHost {
  /** Set for `BUCKET.storage.googleapis.com`; path-style hosts leave the bucket to the path. */
  bucket?: string;
  /** `www.googleapis.com` serves Cloud Storage only under its JSON API paths (and other APIs elsewhere). */
  jsonOnly?: boolean;
}

const PATH_STYLE_HOSTS = new Set(['storage.googleapis.com', 'storage.cloud.google.com']);
const VIRTUAL_SUFFIX = '.storage.googleapis.com';

export function matchGcpHost(host: string): GcpHost | undefined {
  if (PATH_STYLE_HOSTS.has(host)) return {};
  if (host === 'www.googleapis.com') return { jsonOnly: true };
  if (host.endsWith(VIRTUAL_SUFFIX) && host.length > VIRTUAL_SUFFIX.length) {
    return { bucket: host.slice(0, -VIRTUAL_SUFFIX.length) };
  }
  return undefined;
}

/**
 * JSON API paths (`/storage/v1/…`, `/download/storage/v1/…`, `/upload/storage/v1/…`, `/batch/storage/v1`):
 * they would otherwise parse as a bucket named "storage" and a nonsense key.
 */
export function isGcsJsonApiPath(segments: readonly string[]): boolean {
  const [first, second, third] = segments;
  if (first === 'storage') return second === 'v1';
  return (first === 'download' || first === 'upload' || first === 'batch') && second === 'storage' && third === 'v1';
}

/**
 * The bucket and object of a JSON API object link (`selfLink` `/storage/v1/b/B/o/NAME`, `mediaLink`
 * `/download/storage/v1/b/B/o/NAME`). `segments` are already decoded once, so an encoded `/` in
 * the name is part of it; a raw `/` after the name names a sub-resource (`/acl`), not an object.
 */
export function gcsJsonObject(segments: readonly string[]): { bucket: string; object: string } {
  const at = segments[0] === 'download' ? 1 : 0;
  const [storage, v1, b, bucket, o, object, ...more] = segments.slice(at);
  const hint = 'write gs://BUCKET/OBJECT, or the object link https://storage.googleapis.com/storage/v1/b/BUCKET/o/OBJECT';
  if (segments[0] === 'upload' || segments[0] === 'batch') throw new UriProblem(`Cloud Storage upload and batch endpoints do not name an object; ${hint}`, true);
  if (storage !== 'storage' || v1 !== 'v1' || b !== 'b' || bucket === undefined || bucket === '') {
    throw new UriProblem(`only Cloud Storage JSON API object links are supported; ${hint}`, true);
  }
  if (o === undefined || o === '' || (o === 'o' && object === undefined)) {
    throw new UriProblem(`this JSON API URL names a bucket or a listing, not an object; ${hint}`, true);
  }
  if (o !== 'o') throw new UriProblem(`this JSON API URL names a bucket sub-resource ("${o}"), not an object; ${hint}`, true);
  if (object === undefined || object === '') throw new UriProblem('the object name after /o/ is empty');
  if (more.length > 0) {
    throw new UriProblem(`the object name must be one percent-encoded path segment (write a/b as a%2Fb); "/${more.join('/')}" after it would name a sub-resource`);
  }
  if (bucket.includes('/')) throw new UriProblem("bucket names may not contain '/' (%2F)");
  return { bucket, object };
}
