import { crc32cBase64, md5Base64 } from './hashes.js';

/** The fake GCS's in-memory buckets and objects, with the metadata GCS would report. */

export interface StoredObject {
  bucket: string;
  name: string;
  data: Buffer;
  contentType: string;
  generation: string;
  metageneration: string;
  md5Hash: string;
  crc32c: string;
  etag: string;
  timeCreated: Date;
  updated: Date;
  /** Object options a write set (see object-options.ts). */
  contentDisposition?: string;
  cacheControl?: string;
  /** Custom metadata (`metadata` of the object resource). */
  metadata?: Record<string, string>;
  /** The Cloud KMS key the object is encrypted with (CMEK), as GCS reports it. */
  kmsKeyName?: string;
}

export interface FakeBucket {
  name: string;
  /** member (email) → roles; `undefined` = any authenticated principal may use the bucket. */
  iam?: Map<string, Set<string>>;
  objects: Map<string, StoredObject>;
  /** The bucket's CORS configuration as the JSON API reports it. */
  cors?: GcsCorsRule[];
  /** Object Versioning: replaced and deleted generations stay readable by `generation` (generations.ts). */
  versioning?: boolean;
  /** Noncurrent generations per object name, oldest first. */
  noncurrent?: Map<string, StoredObject[]>;
  /**
   * Writes must name exactly this Cloud KMS key (the customer's CMEK requirement, as the org
   * policy `constraints/gcp.restrictNonCmekServices` enforces it): others are refused with 403.
   */
  requireKmsKeyName?: string;
}

/** A bucket CORS rule, as GCS stores it. */
export interface GcsCorsRule { origin?: string[]; method?: string[]; responseHeader?: string[]; maxAgeSeconds?: number }

let generationCounter = Date.now() * 1000;

export function makeObject(bucket: string, name: string, data: Uint8Array, contentType?: string): StoredObject {
  const buffer = Buffer.from(data);
  const now = new Date();
  const generation = String(++generationCounter);
  return {
    bucket,
    name,
    data: buffer,
    contentType: contentType ?? 'application/octet-stream',
    generation,
    metageneration: '1',
    md5Hash: md5Base64(buffer),
    crc32c: crc32cBase64(buffer),
    etag: Buffer.from(generation).toString('base64'),
    timeCreated: now,
    updated: now,
  };
}

/** The JSON API's object resource. */
export function objectResource(object: StoredObject, baseUrl: string): Record<string, unknown> {
  const encoded = encodeURIComponent(object.name);
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${baseUrl}/storage/v1/b/${object.bucket}/o/${encoded}`,
    mediaLink: `${baseUrl}/download/storage/v1/b/${object.bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: object.metageneration,
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.data.length),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: object.etag,
    timeCreated: object.timeCreated.toISOString(),
    updated: object.updated.toISOString(),
    timeStorageClassUpdated: object.timeCreated.toISOString(),
    ...(object.contentDisposition !== undefined ? { contentDisposition: object.contentDisposition } : {}),
    ...(object.cacheControl !== undefined ? { cacheControl: object.cacheControl } : {}),
    ...(object.metadata !== undefined ? { metadata: object.metadata } : {}),
    // GCS names the key version that encrypted the object.
    ...(object.kmsKeyName !== undefined ? { kmsKeyName: `${object.kmsKeyName}/cryptoKeyVersions/1` } : {}),
  };
}
