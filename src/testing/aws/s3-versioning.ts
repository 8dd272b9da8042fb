import { EMPTY, NULL_VERSION, newVersionId, ObjectVersion, type BucketState } from './s3-store.js';

/**
 * Writes and deletes as S3 does them under each versioning status:
 * - never versioned: a write replaces the object, a delete removes it (version id `null`);
 * - Enabled: every write and every plain delete adds a version (a delete adds a delete marker);
 * - Suspended: writes and plain deletes replace the `null` version, keeping the others.
 */

/** Makes `version` the current version of `key`; returns it with its version id set. */
export function putVersion(bucket: BucketState, key: string, version: ObjectVersion): ObjectVersion {
  if (bucket.versioning === undefined) {
    version.versionId = NULL_VERSION;
    bucket.replace(key, version);
    return version;
  }
  const previous = bucket.versions(key);
  switch (bucket.versioning) {
    case 'Enabled':
      version.versionId = newVersionId();
      bucket.setVersions(key, [version, ...previous]);
      break;
    case 'Suspended':
      version.versionId = NULL_VERSION;
      bucket.setVersions(key, [version, ...previous.filter((v) => v.versionId !== NULL_VERSION)]);
      break;
  }
  return version;
}

export interface DeleteOutcome {
  /** The delete marker this delete created. */
  marker?: ObjectVersion;
  /** The version a versionId delete removed. */
  removed?: ObjectVersion;
}

/** DeleteObject without a version id. */
export function deleteCurrent(bucket: BucketState, key: string, now: number): DeleteOutcome {
  if (bucket.versioning === undefined) {
    bucket.setVersions(key, []);
    return {};
  }
  // S3 adds a delete marker even when the key has no object at all.
  const marker = new ObjectVersion(EMPTY, '', now, '', undefined, true);
  return { marker: putVersion(bucket, key, marker) };
}

/** DeleteObject with a version id: removes exactly that version (or marker), whatever the status. */
export function deleteVersion(bucket: BucketState, key: string, versionId: string): DeleteOutcome {
  const stack = bucket.versions(key);
  const removed = stack.find((v) => v.versionId === versionId);
  if (!removed) return {};
  bucket.setVersions(key, stack.filter((v) => v !== removed));
  return { removed };
}
