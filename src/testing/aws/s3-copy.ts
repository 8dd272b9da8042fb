import { checkWriteConditions } from './s3-conditions.js';
import { S3Error, invalidArgument, invalidRequest, noSuchBucket, preconditionFailed } from './s3-errors.js';
import { decodePathSegment } from './s3-keys.js';
import { partNumberOf, partResponse, storePart, uploadOf } from './s3-multipart.js';
import { readableVersion } from './s3-objects.js';
import { effectiveSse, readObjectAttributes, sseHeaders, versionHeader } from './s3-object-headers.js';
import { xmlResponse, type S3Context, type S3Response, type S3Target } from './s3-request.js';
import { md5Etag, ObjectVersion, type ObjectAttributes } from './s3-store.js';
import { putVersion } from './s3-versioning.js';
import { tag, xmlDocument } from './s3-xml.js';

/** CopyObject and UploadPartCopy: read a source object (authorised for reading) and write it as an object or a part. */

interface CopySource { name: string; key: string; versionId?: string }

/** Parses `x-amz-copy-source`: `[/]bucket/key[?versionId=V]`, the key URL-encoded. */
export function parseCopySource(header: string): CopySource {
  const bad = (): S3Error => invalidArgument('Copy Source must mention the source bucket and key: sourcebucket/sourcekey', 'x-amz-copy-source', header);
  const [path = '', query = ''] = header.split('?', 2);
  const trimmed = path.startsWith('/') ? path.slice(1) : path;
  const slash = trimmed.indexOf('/');
  if (slash <= 0 || slash === trimmed.length - 1) throw bad();
  const name = decodePathSegment(trimmed.slice(0, slash));
  const key = decodePathSegment(trimmed.slice(slash + 1));
  if (name === undefined || key === undefined) throw bad();
  const versionMatch = /^versionId=(.*)$/.exec(query);
  if (query !== '' && !versionMatch) throw bad();
  return { name, key, ...(versionMatch ? { versionId: decodePathSegment(versionMatch[1] ?? '') ?? '' } : {}) };
}

function readSource(ctx: S3Context): { source: CopySource; target: S3Target; object: ObjectVersion } {
  const source = parseCopySource(ctx.req.header('x-amz-copy-source') ?? '');
  const target = ctx.services.resolveBucket(source.name);
  if (!target) throw noSuchBucket(source.name);
  const action = source.versionId !== undefined ? 's3:GetObjectVersion' : 's3:GetObject';
  if (!ctx.services.authorize(target, action, source.key)) throw new S3Error(403, 'AccessDenied', 'Access Denied');
  if (source.versionId !== undefined && target.bucket.findVersion(source.key, source.versionId)?.deleteMarker) {
    throw invalidRequest('The source of a copy request may not specifically refer to a delete marker by version id.');
  }
  const object = readableVersion(target.bucket, source.key, source.versionId);
  checkCopyConditions(ctx, object);
  return { source, target, object };
}

function checkCopyConditions(ctx: S3Context, object: ObjectVersion): void {
  const h = (n: string): string | undefined => ctx.req.value(n);
  const unquote = (s: string): string => s.trim().replace(/^"(.*)"$/, '$1');
  const etag = unquote(object.etag);
  const seconds = (v: string | undefined): number | undefined => (v === undefined || Number.isNaN(Date.parse(v)) ? undefined : Math.floor(Date.parse(v) / 1000));
  const modified = Math.floor(object.lastModified / 1000);
  const ifMatch = h('x-amz-copy-source-if-match');
  if (ifMatch !== undefined && !ifMatch.split(',').map(unquote).includes(etag)) throw preconditionFailed('x-amz-copy-source-If-Match');
  const unmodified = seconds(h('x-amz-copy-source-if-unmodified-since'));
  if (ifMatch === undefined && unmodified !== undefined && modified > unmodified) throw preconditionFailed('x-amz-copy-source-If-Unmodified-Since');
  const ifNoneMatch = h('x-amz-copy-source-if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.split(',').map(unquote).includes(etag)) throw preconditionFailed('x-amz-copy-source-If-None-Match');
  const since = seconds(h('x-amz-copy-source-if-modified-since'));
  if (ifNoneMatch === undefined && since !== undefined && modified <= since) throw preconditionFailed('x-amz-copy-source-If-Modified-Since');
}

export function copyObject(ctx: S3Context): S3Response {
  const { req, bucket, key } = ctx;
  const { source, target, object } = readSource(ctx);
  const directive = (req.value('x-amz-metadata-directive') ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') throw invalidArgument('Unknown metadata directive.', 'x-amz-metadata-directive', directive);
  const given = readObjectAttributes((n) => req.value(n), req.metadataNames(), bucket);
  let attrs: ObjectAttributes | undefined;
  if (directive === 'REPLACE') {
    attrs = given;
  } else {
    // COPY keeps the source's content headers and metadata; encryption and storage class come from this request.
    const { sse: _sse, storageClass: _class, tagging, ...kept } = object.attrs ?? {};
    const taggingDirective = (req.value('x-amz-tagging-directive') ?? 'COPY').toUpperCase();
    attrs = {
      ...kept,
      ...(given?.sse ? { sse: given.sse } : {}),
      ...(given?.storageClass ? { storageClass: given.storageClass } : {}),
      ...(taggingDirective === 'REPLACE' ? (given?.tagging ? { tagging: given.tagging } : {}) : (tagging ? { tagging } : {})),
    };
    if (Object.keys(attrs).length === 0) attrs = undefined;
    if (target.bucket === bucket && source.key === key && source.versionId === undefined && !given?.sse && !given?.storageClass) {
      throw invalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
    }
  }
  checkWriteConditions((n) => req.header(n), key, bucket.live(key));
  const etag = object.partSizes ? md5Etag(object.body) : object.etag;
  const checksum = object.checksum?.type === 'FULL_OBJECT' ? object.checksum : undefined;
  const version = putVersion(bucket, key, new ObjectVersion(object.body, etag, ctx.now, '', attrs, false, checksum));
  const headers: Record<string, string> = {
    ...versionHeader(bucket, version.versionId), ...sseHeaders(effectiveSse(attrs, bucket), bucket),
    ...(target.bucket.versioning !== undefined ? { 'x-amz-copy-source-version-id': object.versionId } : {}),
  };
  return xmlResponse(200, xmlDocument('CopyObjectResult', tag('ETag', etag) + tag('LastModified', new Date(ctx.now).toISOString())), headers);
}

export function uploadPartCopy(ctx: S3Context): S3Response {
  const upload = uploadOf(ctx);
  const partNumber = partNumberOf(ctx.req.query.get('partNumber'));
  const { object } = readSource(ctx);
  let body = object.body;
  const range = ctx.req.value('x-amz-copy-source-range');
  if (range !== undefined) {
    const match = /^bytes=(\d+)-(\d+)$/.exec(range.trim());
    const start = Number(match?.[1]);
    const end = Number(match?.[2]);
    if (!match || end < start || end >= object.size) throw invalidArgument(`Range specified is not valid for source object of size: ${object.size}`, 'x-amz-copy-source-range', range);
    body = object.body.subarray(start, end + 1);
  }
  const part = storePart(ctx, upload, partNumber, body, undefined, true);
  const response = partResponse(ctx, upload, part);
  return xmlResponse(200, xmlDocument('CopyPartResult', tag('ETag', part.etag) + tag('LastModified', new Date(ctx.now).toISOString())), { ...response.headers, etag: part.etag });
}
