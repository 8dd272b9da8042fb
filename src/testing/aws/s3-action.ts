import { decodePathSegment } from './s3-keys.js';

/** Which S3 operation a REST request is, and which IAM permissions S3 asks for it. */

/** The bucket segment and key a path-style request addresses (each decoded once). `undefined` for malformed escapes. */
export interface PathTarget { bucket?: string; key?: string }

export function parsePathStyle(rawPath: string): PathTarget | undefined {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (path === '') return {};
  const slash = path.indexOf('/');
  const bucket = decodePathSegment(slash < 0 ? path : path.slice(0, slash));
  if (bucket === undefined) return undefined;
  const rawKey = slash < 0 ? '' : path.slice(slash + 1);
  // `/bucket/` is a bucket-level request (the SDK signs ListObjectsV2 that way).
  if (rawKey === '') return { bucket };
  const segments = rawKey.split('/').map(decodePathSegment);
  if (segments.some((s) => s === undefined)) return undefined;
  return { bucket, key: segments.join('/') };
}

export type S3Operation =
  | 'ListBuckets' | 'CreateBucket' | 'DeleteBucket' | 'HeadBucket' | 'GetBucketLocation'
  | 'ListObjects' | 'ListObjectsV2' | 'ListObjectVersions' | 'ListMultipartUploads'
  | 'GetBucketCors' | 'PutBucketCors' | 'DeleteBucketCors' | 'GetBucketPolicy' | 'PutBucketPolicy' | 'DeleteBucketPolicy'
  | 'GetBucketVersioning' | 'PutBucketVersioning' | 'GetBucketEncryption' | 'PutBucketEncryption' | 'DeleteBucketEncryption'
  | 'DeleteObjects' | 'PostObject'
  | 'GetObject' | 'HeadObject' | 'PutObject' | 'CopyObject' | 'DeleteObject'
  | 'CreateMultipartUpload' | 'UploadPart' | 'UploadPartCopy' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'ListParts';

export type Classified = { operation: S3Operation } | { unsupported: string };

const BUCKET_SUBRESOURCES_NOT_MODELLED = ['acl', 'tagging', 'lifecycle', 'website', 'logging', 'notification', 'replication', 'ownershipControls',
  'publicAccessBlock', 'object-lock', 'requestPayment', 'accelerate', 'analytics', 'inventory', 'metrics', 'intelligent-tiering', 'policyStatus', 'session', 'metadataTable'];
const OBJECT_SUBRESOURCES_NOT_MODELLED = ['tagging', 'acl', 'attributes', 'retention', 'legal-hold', 'torrent', 'restore', 'select', 'renameObject'];

const op = (operation: S3Operation): Classified => ({ operation });

export function classify(method: string, target: PathTarget, query: ReadonlyMap<string, string>, header: (name: string) => string | undefined): Classified {
  if (target.bucket === undefined) return method === 'GET' ? op('ListBuckets') : { unsupported: `${method} /` };
  if (target.key === undefined) {
    const unmodelled = BUCKET_SUBRESOURCES_NOT_MODELLED.find((s) => query.has(s));
    if (unmodelled) return { unsupported: `bucket ?${unmodelled}` };
    switch (method) {
      case 'GET':
        if (query.has('location')) return op('GetBucketLocation');
        if (query.has('uploads')) return op('ListMultipartUploads');
        if (query.has('versions')) return op('ListObjectVersions');
        if (query.has('cors')) return op('GetBucketCors');
        if (query.has('policy')) return op('GetBucketPolicy');
        if (query.has('versioning')) return op('GetBucketVersioning');
        if (query.has('encryption')) return op('GetBucketEncryption');
        return op(query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects');
      case 'HEAD': return op('HeadBucket');
      case 'PUT':
        if (query.has('cors')) return op('PutBucketCors');
        if (query.has('policy')) return op('PutBucketPolicy');
        if (query.has('versioning')) return op('PutBucketVersioning');
        if (query.has('encryption')) return op('PutBucketEncryption');
        return op('CreateBucket');
      case 'DELETE':
        if (query.has('cors')) return op('DeleteBucketCors');
        if (query.has('policy')) return op('DeleteBucketPolicy');
        if (query.has('encryption')) return op('DeleteBucketEncryption');
        return op('DeleteBucket');
      case 'POST':
        if (query.has('delete')) return op('DeleteObjects');
        if ((header('content-type') ?? '').toLowerCase().startsWith('multipart/form-data')) return op('PostObject');
        return { unsupported: 'POST on a bucket' };
      default: return { unsupported: `${method} on a bucket` };
    }
  }
  const unmodelled = OBJECT_SUBRESOURCES_NOT_MODELLED.find((s) => query.has(s));
  if (unmodelled) return { unsupported: `object ?${unmodelled}` };
  const copy = header('x-amz-copy-source') !== undefined;
  switch (method) {
    case 'GET': return op(query.has('uploadId') ? 'ListParts' : 'GetObject');
    case 'HEAD': return op('HeadObject');
    case 'PUT':
      if (query.has('uploadId') || query.has('partNumber')) return op(copy ? 'UploadPartCopy' : 'UploadPart');
      return op(copy ? 'CopyObject' : 'PutObject');
    case 'POST':
      if (query.has('uploads')) return op('CreateMultipartUpload');
      if (query.has('uploadId')) return op('CompleteMultipartUpload');
      return { unsupported: 'POST on an object' };
    case 'DELETE': return op(query.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject');
    default: return { unsupported: `${method} on an object` };
  }
}

/** One permission an operation needs, on the bucket (key undefined) or the request's object. */
export interface Permission {
  action: string;
  onObject: boolean;
  context?: Record<string, string | undefined>;
}

const BUCKET_ACTIONS: Partial<Record<S3Operation, string>> = {
  ListBuckets: 's3:ListAllMyBuckets', CreateBucket: 's3:CreateBucket', DeleteBucket: 's3:DeleteBucket', HeadBucket: 's3:ListBucket',
  GetBucketLocation: 's3:GetBucketLocation', ListObjects: 's3:ListBucket', ListObjectsV2: 's3:ListBucket', ListObjectVersions: 's3:ListBucketVersions',
  ListMultipartUploads: 's3:ListBucketMultipartUploads', GetBucketCors: 's3:GetBucketCORS', PutBucketCors: 's3:PutBucketCORS', DeleteBucketCors: 's3:PutBucketCORS',
  GetBucketPolicy: 's3:GetBucketPolicy', PutBucketPolicy: 's3:PutBucketPolicy', DeleteBucketPolicy: 's3:DeleteBucketPolicy',
  GetBucketVersioning: 's3:GetBucketVersioning', PutBucketVersioning: 's3:PutBucketVersioning',
  GetBucketEncryption: 's3:GetEncryptionConfiguration', PutBucketEncryption: 's3:PutEncryptionConfiguration', DeleteBucketEncryption: 's3:PutEncryptionConfiguration',
};

/** The request values S3 exposes as condition keys of writes. */
export function writeContext(value: (name: string) => string | undefined): Record<string, string | undefined> {
  return {
    's3:x-amz-server-side-encryption': value('x-amz-server-side-encryption'),
    's3:x-amz-server-side-encryption-aws-kms-key-id': value('x-amz-server-side-encryption-aws-kms-key-id'),
    's3:x-amz-acl': value('x-amz-acl'),
    's3:x-amz-storage-class': value('x-amz-storage-class'),
    's3:if-none-match': value('if-none-match'),
    's3:if-match': value('if-match'),
    's3:x-amz-copy-source': value('x-amz-copy-source'),
    's3:x-amz-metadata-directive': value('x-amz-metadata-directive'),
  };
}

const namesEtag = (v: string | undefined): boolean => v !== undefined && v.trim() !== '*';

/**
 * The permissions of one request (DeleteObjects keys, copy sources and POST forms are authorised
 * by their handlers, which know the keys).
 */
export function permissionsFor(operation: S3Operation, query: ReadonlyMap<string, string>, value: (name: string) => string | undefined): Permission[] {
  const bucketAction = BUCKET_ACTIONS[operation];
  if (bucketAction) {
    const listing = operation === 'ListObjects' || operation === 'ListObjectsV2' || operation === 'ListObjectVersions';
    return [{
      action: bucketAction, onObject: false,
      ...(listing ? { context: { 's3:prefix': query.get('prefix'), 's3:delimiter': query.get('delimiter'), 's3:max-keys': query.get('max-keys') } } : {}),
    }];
  }
  const versionId = query.get('versionId');
  const object = (action: string, context?: Record<string, string | undefined>): Permission => ({ action, onObject: true, ...(context ? { context } : {}) });
  const tagging = value('x-amz-tagging') !== undefined ? [object('s3:PutObjectTagging')] : [];
  switch (operation) {
    case 'GetObject':
    case 'HeadObject':
      return [versionId !== undefined ? object('s3:GetObjectVersion', { 's3:VersionId': versionId }) : object('s3:GetObject')];
    case 'PutObject':
    case 'CopyObject':
    case 'CreateMultipartUpload':
      return [object('s3:PutObject', writeContext(value)), ...tagging, ...(namesEtag(value('if-match')) ? [object('s3:GetObject')] : [])];
    case 'UploadPart':
    case 'UploadPartCopy':
      return [object('s3:PutObject')];
    case 'CompleteMultipartUpload':
      return [object('s3:PutObject', { 's3:if-none-match': value('if-none-match'), 's3:if-match': value('if-match') }), ...(namesEtag(value('if-match')) ? [object('s3:GetObject')] : [])];
    case 'AbortMultipartUpload': return [object('s3:AbortMultipartUpload')];
    case 'ListParts': return [object('s3:ListMultipartUploadParts')];
    case 'DeleteObject':
      if (versionId !== undefined) return [object('s3:DeleteObjectVersion', { 's3:VersionId': versionId })];
      return [object('s3:DeleteObject', { 's3:if-match': value('if-match') }), ...(namesEtag(value('if-match')) ? [object('s3:GetObject')] : [])];
    default:
      return [];
  }
}
