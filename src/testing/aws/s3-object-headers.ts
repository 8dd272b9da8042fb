import { S3Error, invalidArgument, invalidRequest } from './s3-errors.js';
import { NULL_VERSION, type BucketState, type ObjectAttributes, type ObjectVersion, type SseSettings } from './s3-store.js';
import { checksumHeader } from './s3-checksums.js';

/**
 * The object attributes S3 reads from a write request (PUT, CreateMultipartUpload, POST form,
 * CopyObject with REPLACE) and the headers it answers reads with.
 */

/** Reads one request value by lower-case name: a header, or for presigned requests an x-amz-* query parameter. */
export type ValueReader = (name: string) => string | undefined;

const MAX_METADATA_BYTES = 2048;
const STORAGE_CLASSES = new Set(['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'GLACIER_IR', 'OUTPOSTS', 'SNOW']);
/** Storage classes whose objects must be restored before GET. */
export const ARCHIVED_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);
const SSE_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);
export const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';

/**
 * Parses and validates the attributes of a write. `value` reads headers (and hoisted x-amz-* query
 * parameters); `metadataNames` lists the x-amz-meta-* names present.
 */
export function readObjectAttributes(value: ValueReader, metadataNames: readonly string[], bucket: BucketState): ObjectAttributes | undefined {
  const attrs: ObjectAttributes = {};
  const plain: Array<[keyof ObjectAttributes, string]> = [
    ['contentType', 'content-type'], ['cacheControl', 'cache-control'], ['contentDisposition', 'content-disposition'],
    ['contentEncoding', 'content-encoding'], ['contentLanguage', 'content-language'], ['expires', 'expires'],
  ];
  for (const [field, name] of plain) {
    const v = value(name);
    if (v !== undefined && v !== '') (attrs as Record<string, string>)[field] = v;
  }

  if (metadataNames.length > 0) {
    const metadata: Record<string, string> = {};
    let bytes = 0;
    for (const name of metadataNames) {
      const short = name.slice('x-amz-meta-'.length);
      const v = value(name) ?? '';
      metadata[short] = v;
      bytes += Buffer.byteLength(short) + Buffer.byteLength(v);
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new S3Error(400, 'MetadataTooLarge', 'Your metadata headers exceed the maximum allowed metadata size', {}, { Size: String(bytes), MaxSizeAllowed: String(MAX_METADATA_BYTES) });
    }
    attrs.metadata = metadata;
  }

  const sse = readSse(value, bucket);
  if (sse) attrs.sse = sse;

  const storageClass = value('x-amz-storage-class');
  if (storageClass !== undefined) {
    if (!STORAGE_CLASSES.has(storageClass)) throw new S3Error(400, 'InvalidStorageClass', 'The storage class you specified is not valid', {}, { StorageClassRequested: storageClass });
    if (storageClass !== 'STANDARD') attrs.storageClass = storageClass;
  }

  const tagging = value('x-amz-tagging');
  if (tagging !== undefined && tagging !== '') {
    if (tagCount(tagging) > 10) throw new S3Error(400, 'BadRequest', 'Object tags cannot be greater than 10');
    attrs.tagging = tagging;
  }

  // Buckets are created with Object Ownership "bucket owner enforced" (S3's default since 2023): ACLs are disabled.
  const acl = value('x-amz-acl');
  if ((acl !== undefined && acl !== 'bucket-owner-full-control') || ['x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-read-acp', 'x-amz-grant-write-acp', 'x-amz-grant-full-control'].some((h) => value(h) !== undefined)) {
    throw new S3Error(400, 'AccessControlListNotSupported', 'The bucket does not allow ACLs');
  }
  return Object.keys(attrs).length > 0 ? attrs : undefined;
}

export const tagCount = (tagging: string): number => tagging.split('&').filter((p) => p !== '').length;

function readSse(value: ValueReader, bucket: BucketState): SseSettings | undefined {
  if (value('x-amz-server-side-encryption-customer-algorithm') !== undefined || value('x-amz-server-side-encryption-customer-key') !== undefined) {
    throw invalidRequest('Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.');
  }
  const algorithm = value('x-amz-server-side-encryption');
  const keyId = value('x-amz-server-side-encryption-aws-kms-key-id');
  const bucketKey = value('x-amz-server-side-encryption-bucket-key-enabled');
  if (algorithm === undefined) {
    if (keyId !== undefined) {
      throw invalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id', keyId);
    }
    return undefined;
  }
  if (!SSE_ALGORITHMS.has(algorithm)) throw invalidArgument('The encryption method specified is not supported', 'x-amz-server-side-encryption', algorithm);
  if (algorithm === 'AES256') {
    if (keyId !== undefined) throw invalidArgument('Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id', keyId);
    return { algorithm };
  }
  return {
    algorithm: algorithm as SseSettings['algorithm'],
    kmsKeyId: kmsKeyArn(keyId, bucket),
    ...(bucketKey?.toLowerCase() === 'true' ? { bucketKeyEnabled: true } : {}),
  };
}

/** S3 answers with the key's ARN whatever form the request named it in. */
export function kmsKeyArn(keyId: string | undefined, bucket: BucketState): string {
  const partition = bucket.region.startsWith('cn-') ? 'aws-cn' : bucket.region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
  if (keyId === undefined || keyId === '') return `arn:${partition}:kms:${bucket.region}:${bucket.owner}:alias/aws/s3`;
  if (keyId.startsWith('arn:')) return keyId;
  if (keyId.startsWith('alias/')) return `arn:${partition}:kms:${bucket.region}:${bucket.owner}:${keyId}`;
  return `arn:${partition}:kms:${bucket.region}:${bucket.owner}:key/${keyId}`;
}

/** The encryption an object is stored with: what its write asked for, else the bucket default. */
export function effectiveSse(attrs: ObjectAttributes | undefined, bucket: BucketState): SseSettings {
  return attrs?.sse ?? bucket.spec.defaultEncryption ?? { algorithm: 'AES256' };
}

/** Fills in the KMS key of a bucket default encryption, as S3 reports it. */
export function sseHeaders(sse: SseSettings, bucket: BucketState): Record<string, string> {
  const headers: Record<string, string> = { 'x-amz-server-side-encryption': sse.algorithm };
  if (sse.algorithm !== 'AES256') {
    headers['x-amz-server-side-encryption-aws-kms-key-id'] = sse.kmsKeyId ?? kmsKeyArn(undefined, bucket);
    if (sse.bucketKeyEnabled) headers['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
  }
  return headers;
}

export const httpDate = (ms: number): string => new Date(ms).toUTCString();

/** `x-amz-version-id` is sent only by buckets that have ever had versioning configured. */
export function versionHeader(bucket: BucketState, versionId: string): Record<string, string> {
  return bucket.versioning === undefined ? {} : { 'x-amz-version-id': versionId || NULL_VERSION };
}

const OVERRIDES: Array<[string, string]> = [
  ['response-content-type', 'content-type'], ['response-content-language', 'content-language'], ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'], ['response-content-disposition', 'content-disposition'], ['response-content-encoding', 'content-encoding'],
];

/** The headers of a GET or HEAD answer for `object` (without Content-Length / Content-Range). */
export function objectHeaders(object: ObjectVersion, bucket: BucketState, query: ReadonlyMap<string, string>, options: { checksumMode: boolean; whole: boolean }): Record<string, string> {
  const attrs = object.attrs;
  const headers: Record<string, string> = {
    'content-type': attrs?.contentType ?? DEFAULT_CONTENT_TYPE,
    etag: object.etag,
    'last-modified': httpDate(object.lastModified),
    'accept-ranges': 'bytes',
    ...versionHeader(bucket, object.versionId),
    ...sseHeaders(effectiveSse(attrs, bucket), bucket),
  };
  if (attrs?.cacheControl !== undefined) headers['cache-control'] = attrs.cacheControl;
  if (attrs?.contentDisposition !== undefined) headers['content-disposition'] = attrs.contentDisposition;
  if (attrs?.contentEncoding !== undefined) headers['content-encoding'] = attrs.contentEncoding;
  if (attrs?.contentLanguage !== undefined) headers['content-language'] = attrs.contentLanguage;
  if (attrs?.expires !== undefined) headers.expires = attrs.expires;
  for (const [name, v] of Object.entries(attrs?.metadata ?? {})) headers[`x-amz-meta-${name}`] = v;
  if (attrs?.storageClass !== undefined) headers['x-amz-storage-class'] = attrs.storageClass;
  if (attrs?.tagging !== undefined) headers['x-amz-tagging-count'] = String(tagCount(attrs.tagging));
  if (options.checksumMode && options.whole && object.checksum) {
    headers[checksumHeader(object.checksum.algorithm)] = object.checksum.value;
    headers['x-amz-checksum-type'] = object.checksum.type;
  }
  for (const [param, header] of OVERRIDES) {
    const override = query.get(param);
    if (override !== undefined) headers[header] = override;
  }
  return headers;
}
