import type { AuthorizationRequest } from './iam-policy.js';

/** The bucket/key a path-style S3 request addresses. */
export interface S3Target { bucket?: string; key?: string }

/** Splits a raw path-style request path into bucket and key (each decoded once). */
export function parsePathStyle(rawPath: string): S3Target {
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path) };
  const key = path.slice(slash + 1);
  // `/bucket/` is a bucket-level request (the SDK signs ListObjectsV2 that way).
  return key === '' ? { bucket: decode(path.slice(0, slash)) } : { bucket: decode(path.slice(0, slash)), key: key.split('/').map(decode).join('/') };
}

function decode(text: string): string {
  try { return decodeURIComponent(text); } catch { return text; }
}

/**
 * What IAM would be asked for one S3 REST request. Returns several requests when one call needs
 * several permissions (CopyObject reads the source and writes the destination).
 */
export function s3Authorization(method: string, target: S3Target, query: ReadonlyMap<string, string>, headers: Record<string, string | string[] | undefined>, partition = 'aws'): AuthorizationRequest[] {
  const arn = `arn:${partition}:s3:::`;
  if (!target.bucket) return [{ action: 's3:ListAllMyBuckets', resource: '*' }];
  const bucketArn = `${arn}${target.bucket}`;
  if (target.key === undefined) {
    const bucketAction = (action: string, context?: Record<string, string | undefined>): AuthorizationRequest[] =>
      [{ action, resource: bucketArn, ...(context ? { context } : {}) }];
    switch (method) {
      case 'GET':
        if (query.has('location')) return bucketAction('s3:GetBucketLocation');
        if (query.has('uploads')) return bucketAction('s3:ListBucketMultipartUploads');
        if (query.has('versions')) return bucketAction('s3:ListBucketVersions', { 's3:prefix': query.get('prefix') });
        if (query.has('cors')) return bucketAction('s3:GetBucketCORS');
        if (query.has('policy')) return bucketAction('s3:GetBucketPolicy');
        return bucketAction('s3:ListBucket', { 's3:prefix': query.get('prefix'), 's3:delimiter': query.get('delimiter') });
      case 'HEAD': return bucketAction('s3:ListBucket');
      case 'PUT':
        if (query.has('cors')) return bucketAction('s3:PutBucketCORS');
        if (query.has('policy')) return bucketAction('s3:PutBucketPolicy');
        return bucketAction('s3:CreateBucket');
      case 'DELETE': return bucketAction('s3:DeleteBucket');
      // POST ?delete names its keys in the body; the caller checks s3:DeleteObject per key.
      case 'POST': return [];
      default: return bucketAction(`s3:Unknown${method}`);
    }
  }
  const objectArn = `${bucketArn}/${target.key}`;
  const one = (action: string): AuthorizationRequest[] => [{ action, resource: objectArn }];
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (query.has('uploadId')) return one('s3:ListMultipartUploadParts');
      if (query.has('tagging')) return one('s3:GetObjectTagging');
      if (query.has('acl')) return one('s3:GetObjectAcl');
      return one(query.has('versionId') ? 's3:GetObjectVersion' : 's3:GetObject');
    case 'PUT': {
      if (query.has('tagging')) return one('s3:PutObjectTagging');
      if (query.has('acl')) return one('s3:PutObjectAcl');
      const copySource = headers['x-amz-copy-source'];
      const requests = one('s3:PutObject');
      if (typeof copySource === 'string') {
        const source = decode(copySource.replace(/^\//, '').split('?')[0] ?? '');
        requests.push({ action: 's3:GetObject', resource: `${arn}${source}` });
      }
      return requests;
    }
    // CreateMultipartUpload and CompleteMultipartUpload are authorised as s3:PutObject.
    case 'POST': return one('s3:PutObject');
    case 'DELETE': return one(query.has('uploadId') ? 's3:AbortMultipartUpload' : 's3:DeleteObject');
    default: return one(`s3:Unknown${method}`);
  }
}
