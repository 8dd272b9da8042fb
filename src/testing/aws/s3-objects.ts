import type { ProvidedChecksum } from './s3-checksums.js';
import { checkDeleteCondition, checkReadConditions, checkWriteConditions } from './s3-conditions.js';
import { S3Error, invalidArgument, invalidRequest, noSuchKey } from './s3-errors.js';
import { ARCHIVED_CLASSES, effectiveSse, httpDate, objectHeaders, readObjectAttributes, sseHeaders, versionHeader } from './s3-object-headers.js';
import { partNumberOf } from './s3-multipart.js';
import { parseRange } from './s3-range.js';
import { emptyResponse, xmlResponse, type S3Context, type S3Response } from './s3-request.js';
import { isVersionIdShaped, md5Etag, ObjectVersion, type BucketState } from './s3-store.js';
import { deleteCurrent, deleteVersion, putVersion } from './s3-versioning.js';
import { child, children, childText, parseXml, tag, wrap, xmlDocument } from './s3-xml.js';

/** Object operations: GetObject, HeadObject, PutObject, DeleteObject, DeleteObjects. */

function checkedVersionId(value: string): string {
  if (!isVersionIdShaped(value)) throw invalidArgument('Invalid version id specified', 'versionId', value);
  return value;
}

/** The version a GET/HEAD reads: the current object, or the one `versionId` names. */
export function readableVersion(bucket: BucketState, key: string, versionId: string | undefined): ObjectVersion {
  if (versionId !== undefined) {
    const version = bucket.findVersion(key, checkedVersionId(versionId));
    if (!version) throw new S3Error(404, 'NoSuchVersion', 'The specified version does not exist.', {}, { Key: key, VersionId: versionId });
    if (version.deleteMarker) {
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.',
        { 'x-amz-delete-marker': 'true', 'x-amz-version-id': version.versionId, 'last-modified': httpDate(version.lastModified) },
        { Method: 'GET', ResourceType: 'DeleteMarker' });
    }
    return version;
  }
  const current = bucket.current(key);
  if (!current) throw noSuchKey(key);
  if (current.deleteMarker) throw noSuchKey(key, { 'x-amz-delete-marker': 'true', 'x-amz-version-id': current.versionId });
  return current;
}

/** GetObject and HeadObject: conditions, then partNumber or Range, served as a slice of the stored bytes. */
export function getObject(ctx: S3Context, head: boolean): S3Response {
  const { req, bucket, key } = ctx;
  const object = readableVersion(bucket, key, req.query.get('versionId'));
  if (checkReadConditions((n) => req.header(n), object, ctx.now) === 'not-modified') {
    return emptyResponse(304, { etag: object.etag, 'last-modified': httpDate(object.lastModified), ...versionHeader(bucket, object.versionId) });
  }
  if (!head && ARCHIVED_CLASSES.has(object.attrs?.storageClass ?? '')) {
    throw new S3Error(403, 'InvalidObjectState', "The operation is not valid for the object's storage class", {}, { StorageClass: object.attrs?.storageClass ?? '' });
  }
  const size = object.size;
  const rangeHeader = req.header('range');
  const partText = req.query.get('partNumber');
  let start = 0;
  let end = size - 1;
  let partial = false;
  const extra: Record<string, string> = {};
  if (partText !== undefined) {
    if (rangeHeader !== undefined) throw invalidRequest('Cannot specify both Range header and partNumber query parameter');
    const part = partNumberOf(partText);
    const sizes = object.partSizes ?? [size];
    if (part > sizes.length) throw new S3Error(416, 'InvalidPartNumber', 'The requested partnumber is not satisfiable', {}, { PartNumberRequested: String(part), ActualPartCount: String(sizes.length) });
    start = sizes.slice(0, part - 1).reduce((a, b) => a + b, 0);
    end = start + sizes[part - 1]! - 1;
    partial = object.partSizes !== undefined;
    extra['x-amz-mp-parts-count'] = String(sizes.length);
  } else {
    const range = parseRange(rangeHeader, size);
    if (range.kind === 'unsatisfiable') {
      throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', { 'content-range': `bytes */${size}` }, { RangeRequested: rangeHeader ?? '', ActualObjectSize: String(size) });
    }
    if (range.kind === 'part') { start = range.start; end = range.end; partial = true; }
  }
  const headers = {
    ...objectHeaders(object, bucket, req.query, { checksumMode: req.value('x-amz-checksum-mode')?.toUpperCase() === 'ENABLED', whole: !partial }),
    ...extra,
    'content-length': String(Math.max(0, end - start + 1)),
    ...(partial ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  };
  const body = partial ? object.body.subarray(start, end + 1) : object.body;
  return { status: partial ? 206 : 200, headers, ...(head ? {} : { body }) };
}

export function putObject(ctx: S3Context, provided: ProvidedChecksum | undefined): S3Response {
  const { req, bucket, key } = ctx;
  const attrs = readObjectAttributes((n) => req.value(n), req.metadataNames(), bucket);
  checkWriteConditions((n) => req.header(n), key, bucket.live(key));
  const body = req.body;
  const checksum = provided ? { ...provided, type: 'FULL_OBJECT' as const } : undefined;
  const version = putVersion(bucket, key, new ObjectVersion(body, md5Etag(body), ctx.now, '', attrs, false, checksum));
  const headers: Record<string, string> = { etag: version.etag, ...versionHeader(bucket, version.versionId), ...sseHeaders(effectiveSse(attrs, bucket), bucket) };
  if (provided) { headers[`x-amz-checksum-${provided.algorithm.toLowerCase()}`] = provided.value; headers['x-amz-checksum-type'] = 'FULL_OBJECT'; }
  return emptyResponse(200, headers);
}

export function deleteObject(ctx: S3Context): S3Response {
  const { req, bucket, key } = ctx;
  const versionId = req.query.get('versionId');
  if (versionId !== undefined) {
    const { removed } = deleteVersion(bucket, key, checkedVersionId(versionId));
    return emptyResponse(204, { 'x-amz-version-id': versionId, ...(removed?.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}) });
  }
  checkDeleteCondition(req.header('if-match'), key, bucket.live(key));
  const { marker } = deleteCurrent(bucket, key, ctx.now);
  return emptyResponse(204, marker ? { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } : {});
}

/**
 * DeleteObjects: up to 1000 keys, each authorised on its own (a key the caller may not delete is
 * an `<Error>` entry, not a failed request), with optional VersionId and ETag condition per key.
 */
export function deleteObjects(ctx: S3Context, checksummed: boolean): S3Response {
  const { req, bucket } = ctx;
  if (!checksummed) throw invalidRequest('Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
  const doc = parseXml(req.body.toString('utf8'));
  const objects = children(doc, 'Object');
  if (doc.name !== 'Delete' || objects.length === 0 || objects.length > 1000) {
    throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const quiet = childText(doc, 'Quiet')?.trim().toLowerCase() === 'true';
  const results: string[] = [];
  const target = { bucket, ...(ctx.accessPoint ? { accessPoint: ctx.accessPoint } : {}) };
  for (const entry of objects) {
    const key = childText(entry, 'Key');
    if (key === undefined || child(entry, 'Key') === undefined) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    const versionId = childText(entry, 'VersionId');
    const etag = childText(entry, 'ETag');
    const failure = (code: string, message: string): void => {
      results.push(wrap('Error', tag('Key', key) + tag('VersionId', versionId) + tag('Code', code) + tag('Message', message)));
    };
    const allowed = ctx.services.authorize(target, versionId !== undefined ? 's3:DeleteObjectVersion' : 's3:DeleteObject', key, etag !== undefined ? { 's3:if-match': etag } : {})
      && (etag === undefined || etag.trim() === '*' || ctx.services.authorize(target, 's3:GetObject', key));
    if (!allowed) { failure('AccessDenied', 'Access Denied'); continue; }
    try {
      if (versionId !== undefined) {
        const { removed } = deleteVersion(bucket, key, checkedVersionId(versionId));
        if (!quiet) results.push(wrap('Deleted', tag('Key', key) + tag('VersionId', versionId) + (removed?.deleteMarker ? tag('DeleteMarker', true) + tag('DeleteMarkerVersionId', versionId) : '')));
        continue;
      }
      checkDeleteCondition(etag, key, bucket.live(key));
      const { marker } = deleteCurrent(bucket, key, ctx.now);
      if (!quiet) results.push(wrap('Deleted', tag('Key', key) + (marker ? tag('DeleteMarker', true) + tag('DeleteMarkerVersionId', marker.versionId) : '')));
    } catch (error) {
      if (!(error instanceof S3Error)) throw error;
      failure(error.code, error.message);
    }
  }
  return xmlResponse(200, xmlDocument('DeleteResult', results.join('')));
}
