import { createHash, randomBytes } from 'node:crypto';
import type { ChecksumAlgorithm } from './s3-checksums.js';
import type { ResourcePolicyDocument } from './iam-policy.js';
import { DEFAULT_ACCOUNT_ID } from './keyring.js';
import type { MultipartUpload } from './s3-multipart.js';
import { SortedKeyIndex } from './s3-sorted-keys.js';

/**
 * The in-memory object store behind the fake S3: buckets, objects with their versions, and
 * multipart uploads. Object bodies are kept as the Buffers that arrived and served as slices of
 * them, so a large GET copies nothing. Per object it keeps only what S3 returns; attributes that
 * almost every object leaves at S3's defaults are not stored at all.
 */

export type VersioningStatus = 'Enabled' | 'Suspended';

/** One CORS rule of a fake bucket, as PutBucketCors takes it. */
export interface FakeCorsRule {
  allowedOrigins: string[];
  allowedMethods: string[];
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  maxAgeSeconds?: number;
  id?: string;
}

/** Server-side encryption of an object (or a bucket's default). */
export interface SseSettings {
  algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse';
  kmsKeyId?: string;
  bucketKeyEnabled?: boolean;
}

/** A bucket of the fake S3 server, as `createBucket` made it. */
export interface FakeS3Bucket {
  name: string;
  /** Region the bucket lives in; requests signed for another region get a 301 redirect. Default us-east-1. */
  region?: string;
  /** Account that owns the bucket. Default 111111111111. */
  ownerAccountId?: string;
  /** Bucket policy: its Deny statements apply to every caller, its Allow statements let other accounts in. */
  policy?: ResourcePolicyDocument;
  /** CORS rules (GetBucketCors, and the CORS headers of browser requests and preflights). */
  cors?: FakeCorsRule[];
  /** Versioning status; absent means never versioned. `PUT ?versioning` changes it too. */
  versioning?: VersioningStatus;
  /** Default encryption for objects written without SSE headers. Default SSE-S3 (AES256), as S3 does since 2023. */
  defaultEncryption?: SseSettings;
}

/** What a write sets on an object besides its bytes (everything optional: absent = S3's default). */
export interface ObjectAttributes {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
  /** User metadata, names lower-cased without the `x-amz-meta-` prefix. */
  metadata?: Record<string, string>;
  sse?: SseSettings;
  storageClass?: string;
  /** Tag set as sent (`x-amz-tagging`, URL-encoded). */
  tagging?: string;
}

/** The checksum S3 stored with an object (`x-amz-checksum-*`). */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 digest; composite checksums end with `-N`. */
  value: string;
  type: 'FULL_OBJECT' | 'COMPOSITE';
}

export const NULL_VERSION = 'null';
export const EMPTY = Buffer.alloc(0);

/** Bodies up to this size are kept as one-byte strings: a Buffer object costs more than such a body. */
const INLINE_BYTES = 256;

/** One version of a key: an object or a delete marker. */
export class ObjectVersion {
  /** Noncurrent versions, newest first; kept only on the current version. */
  older: ObjectVersion[] | undefined;
  readonly #data: Buffer | string;
  /** Whole seconds: S3 keeps Last-Modified to the second (and a small integer stays unboxed). */
  readonly #modified: number;

  constructor(
    body: Buffer,
    /** Quoted, as S3 sends it. */
    readonly etag: string,
    lastModifiedMs: number,
    public versionId: string,
    readonly attrs: ObjectAttributes | undefined,
    readonly deleteMarker: boolean,
    readonly checksum?: StoredChecksum,
    /** Part sizes of an object assembled by CompleteMultipartUpload. */
    readonly partSizes?: readonly number[],
  ) {
    this.#data = body.length === 0 ? EMPTY : body.length <= INLINE_BYTES ? body.toString('latin1') : body;
    this.#modified = Math.floor(lastModifiedMs / 1000);
  }

  /** The stored bytes (served as slices of this Buffer, never copied per request). */
  get body(): Buffer {
    return typeof this.#data === 'string' ? Buffer.from(this.#data, 'latin1') : this.#data;
  }

  get size(): number { return this.#data.length; }

  get lastModified(): number { return this.#modified * 1000; }
}

const EMPTY_ETAG = `"${createHash('md5').digest('hex')}"`;
const etagCache = new Map<string, string>();
/** Quoted MD5 hex; small bodies written many times (bulk loads) share one ETag string. */
export function md5Etag(body: Uint8Array): string {
  if (body.length === 0) return EMPTY_ETAG;
  if (body.length > 64) return `"${createHash('md5').update(body).digest('hex')}"`;
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  let etag = etagCache.get(text);
  if (etag === undefined) {
    etag = `"${createHash('md5').update(body).digest('hex')}"`;
    if (etagCache.size >= 4096) etagCache.clear();
    etagCache.set(text, etag);
  }
  return etag;
}

const VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._';
/** A fresh S3-shaped version id (32 URL-safe characters). */
export function newVersionId(): string {
  const bytes = randomBytes(32);
  let id = '';
  for (const byte of bytes) id += VERSION_ALPHABET[byte & 63];
  return id;
}
export const isVersionIdShaped = (id: string): boolean => id === NULL_VERSION || /^[A-Za-z0-9._]{32}$/.test(id);

/** Stable 64-hex canonical user id of an account, as S3 lists owners. */
export const canonicalUserId = (accountId: string): string => createHash('sha256').update(`fake-s3-canonical:${accountId}`).digest('hex');

export class BucketState {
  /** Current version per key (delete markers included); noncurrent versions hang off it. */
  readonly objects = new Map<string, ObjectVersion>();
  readonly index = new SortedKeyIndex();
  readonly uploads = new Map<string, MultipartUpload>();
  readonly created: number;

  constructor(readonly spec: FakeS3Bucket, now: number) {
    this.created = now;
  }

  get name(): string { return this.spec.name; }
  get region(): string { return this.spec.region ?? 'us-east-1'; }
  get owner(): string { return this.spec.ownerAccountId ?? DEFAULT_ACCOUNT_ID; }
  get versioning(): VersioningStatus | undefined { return this.spec.versioning; }
  set versioning(status: VersioningStatus | undefined) { this.spec.versioning = status; }

  /** The current version of `key`, delete marker or not. */
  current(key: string): ObjectVersion | undefined { return this.objects.get(key); }

  /** The current version of `key` when it is an object (not a delete marker). */
  live(key: string): ObjectVersion | undefined {
    const current = this.objects.get(key);
    return current && !current.deleteMarker ? current : undefined;
  }

  /** Every version of `key`, newest first. */
  versions(key: string): ObjectVersion[] {
    const current = this.objects.get(key);
    return current ? [current, ...(current.older ?? [])] : [];
  }

  findVersion(key: string, versionId: string): ObjectVersion | undefined {
    return this.versions(key).find((v) => v.versionId === versionId);
  }

  get objectCount(): number { return this.index.size; }

  /** Makes `version` the only version of `key` (buckets that were never versioned). */
  replace(key: string, version: ObjectVersion): void {
    if (this.objects.get(key) === undefined) this.index.insert(key);
    version.older = undefined;
    this.objects.set(key, version);
  }

  /** Replaces the version stack of `key` (newest first); an empty stack removes the key. */
  setVersions(key: string, stack: ObjectVersion[]): void {
    const [head, ...rest] = stack;
    if (!head) {
      this.objects.delete(key);
      this.index.delete(key);
      return;
    }
    head.older = rest.length > 0 ? rest : undefined;
    for (const v of rest) v.older = undefined;
    if (!this.objects.has(key)) this.index.insert(key);
    this.objects.set(key, head);
  }
}
