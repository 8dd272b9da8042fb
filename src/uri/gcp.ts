export interface GcpHost {
  /** Set for `BUCKET.storage.googleapis.com`; path-style hosts leave the bucket to the path. */
  bucket?: string;
}

const PATH_STYLE_HOSTS = new Set(['storage.googleapis.com', 'storage.cloud.google.com']);
const VIRTUAL_SUFFIX = '.storage.googleapis.com';

export function matchGcpHost(host: string): GcpHost | undefined {
  if (PATH_STYLE_HOSTS.has(host)) return {};
  if (host.endsWith(VIRTUAL_SUFFIX) && host.length > VIRTUAL_SUFFIX.length) {
    return { bucket: host.slice(0, -VIRTUAL_SUFFIX.length) };
  }
  return undefined;
}

/**
 * JSON-API paths on storage.googleapis.com (`/storage/v1/b/…`, `/download/storage/v1/…`,
 * `/upload/storage/v1/…`) would otherwise parse as a bucket named "storage" and a nonsense key.
 */
export function isGcsJsonApiPath(segments: readonly string[]): boolean {
  const [first, second, third] = segments;
  if (first === 'storage') return second === 'v1';
  return (first === 'download' || first === 'upload') && second === 'storage' && third === 'v1';
}
