import { createHash, randomBytes } from 'node:crypto';
import { checksumBase64, checksumHeader, computeChecksum, parseChecksumAlgorithm, type ChecksumAlgorithm, type ProvidedChecksum } from './s3-checksums.js';
import { checkWriteConditions } from './s3-conditions.js';
import { S3Error, invalidArgument, invalidRequest, noSuchUpload } from './s3-errors.js';
import { compareUtf8 } from './s3-keys.js';
import { readObjectAttributes, sseHeaders, effectiveSse, versionHeader } from './s3-object-headers.js';
import { emptyResponse, xmlResponse, type S3Context, type S3Response } from './s3-request.js';
import { canonicalUserId, md5Etag, ObjectVersion, type BucketState, type ObjectAttributes, type StoredChecksum } from './s3-store.js';
import { putVersion } from './s3-versioning.js';
import { children, childText, parseXml, tag, wrap, xmlDocument } from './s3-xml.js';

/**
 * Multipart uploads as S3 keeps them: created with the object's attributes, parts 1–10000 that
 * can be replaced until completion, a completion that checks the part list (ascending, existing,
 * matching ETags and checksums, every part but the last at least 5 MiB) and the write
 * preconditions, and an upload id that is gone for good once completed or aborted.
 */

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

export interface UploadedPart {
  partNumber: number;
  body: Buffer;
  etag: string;
  lastModified: number;
  /** Base64 digest with the upload's checksum algorithm. */
  checksum?: string;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  initiated: number;
  attrs: ObjectAttributes | undefined;
  checksumAlgorithm?: ChecksumAlgorithm;
  checksumType?: 'COMPOSITE' | 'FULL_OBJECT';
  initiatorArn: string;
  initiatorAccount: string;
  parts: Map<number, UploadedPart>;
}

const newUploadId = (): string => randomBytes(48).toString('base64url');

function findUpload(ctx: S3Context, uploadId: string): MultipartUpload {
  const upload = ctx.bucket.uploads.get(uploadId);
  // An upload id names one key: using it with another key is as unknown as a made-up id.
  if (!upload || upload.key !== ctx.key) throw noSuchUpload(uploadId);
  return upload;
}

export function createMultipartUpload(ctx: S3Context): S3Response {
  const { req, bucket } = ctx;
  const attrs = readObjectAttributes((n) => req.value(n), req.metadataNames(), bucket);
  const algorithmHeader = req.value('x-amz-checksum-algorithm');
  const algorithm = parseChecksumAlgorithm(algorithmHeader);
  if (algorithmHeader !== undefined && !algorithm) throw invalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]');
  const typeHeader = req.value('x-amz-checksum-type')?.toUpperCase();
  if (typeHeader !== undefined && typeHeader !== 'COMPOSITE' && typeHeader !== 'FULL_OBJECT') throw invalidRequest('Value for x-amz-checksum-type header is invalid.');
  if (typeHeader !== undefined && !algorithm) throw invalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
  let type: MultipartUpload['checksumType'];
  if (algorithm) {
    type = (typeHeader as MultipartUpload['checksumType']) ?? (algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE');
    if (type === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) throw invalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
    if (type === 'COMPOSITE' && algorithm === 'CRC64NVME') throw invalidRequest('The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.');
  }
  const upload: MultipartUpload = {
    uploadId: newUploadId(), key: ctx.key, initiated: ctx.now, attrs,
    ...(algorithm ? { checksumAlgorithm: algorithm, checksumType: type } : {}),
    initiatorArn: ctx.caller.principalArn, initiatorAccount: ctx.caller.accountId,
    parts: new Map(),
  };
  bucket.uploads.set(upload.uploadId, upload);
  const headers: Record<string, string> = { ...sseHeaders(effectiveSse(attrs, bucket), bucket) };
  if (algorithm) { headers['x-amz-checksum-algorithm'] = algorithm; headers['x-amz-checksum-type'] = type ?? 'COMPOSITE'; }
  return xmlResponse(200, xmlDocument('InitiateMultipartUploadResult', tag('Bucket', bucketLabel(ctx)) + tag('Key', ctx.key) + tag('UploadId', upload.uploadId)), headers);
}

/** What responses call the bucket: the name addressed (an access point alias stays an alias). */
const bucketLabel = (ctx: S3Context): string => ctx.accessPoint?.alias ?? ctx.bucket.name;

export function partNumberOf(value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !/^\d+$/.test(value) || n < 1 || n > MAX_PARTS) {
    throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'partNumber', value ?? '');
  }
  return n;
}

/** The upload an UploadPart / UploadPartCopy addresses, for handlers and the authorisation context. */
export function uploadOf(ctx: S3Context): MultipartUpload {
  return findUpload(ctx, ctx.req.query.get('uploadId') ?? '');
}

/**
 * Stores one part. `provided` is the verified request checksum, if any: S3 wants exactly the
 * upload's algorithm on every uploaded part (none when the upload was created without one — the
 * AWS SDKs' default part checksums then fail, as they do against S3). Copied parts get theirs computed.
 */
export function storePart(ctx: S3Context, upload: MultipartUpload, partNumber: number, body: Buffer, provided: ProvidedChecksum | undefined, copied = false): UploadedPart {
  const expected = upload.checksumAlgorithm;
  if (!copied && provided?.algorithm !== expected) {
    throw invalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${expected?.toLowerCase() ?? 'null'}, actual checksum Type: ${provided?.algorithm.toLowerCase() ?? 'null'}`);
  }
  const part: UploadedPart = {
    partNumber, body, etag: md5Etag(body), lastModified: ctx.now,
    ...(expected ? { checksum: provided?.value ?? checksumBase64(expected, body) } : {}),
  };
  upload.parts.set(partNumber, part);
  return part;
}

export function partResponse(ctx: S3Context, upload: MultipartUpload, part: UploadedPart): S3Response {
  const headers: Record<string, string> = { etag: part.etag, ...sseHeaders(effectiveSse(upload.attrs, ctx.bucket), ctx.bucket) };
  if (upload.checksumAlgorithm && part.checksum) headers[checksumHeader(upload.checksumAlgorithm)] = part.checksum;
  return emptyResponse(200, headers);
}

export function uploadPart(ctx: S3Context, provided: ProvidedChecksum | undefined): S3Response {
  const upload = uploadOf(ctx);
  const part = storePart(ctx, upload, partNumberOf(ctx.req.query.get('partNumber')), ctx.req.body, provided);
  return partResponse(ctx, upload, part);
}

const CHECKSUM_ELEMENT: Record<ChecksumAlgorithm, string> = { CRC32: 'ChecksumCRC32', CRC32C: 'ChecksumCRC32C', CRC64NVME: 'ChecksumCRC64NVME', SHA1: 'ChecksumSHA1', SHA256: 'ChecksumSHA256' };
const unquote = (etag: string): string => etag.trim().replace(/^"(.*)"$/, '$1');

export function completeMultipartUpload(ctx: S3Context): S3Response {
  const { req, bucket } = ctx;
  const upload = uploadOf(ctx);
  const doc = parseXml(req.body.toString('utf8'));
  if (doc.name !== 'CompleteMultipartUpload') throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const listed = children(doc, 'Part');
  if (listed.length === 0) throw new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  const chosen: UploadedPart[] = [];
  let previous = 0;
  for (const entry of listed) {
    const numberText = childText(entry, 'PartNumber');
    const number = Number(numberText);
    if (numberText === undefined || !Number.isInteger(number) || number < 1 || number > MAX_PARTS) throw invalidArgument('Part number must be an integer between 1 and 10000, inclusive', 'PartNumber', numberText ?? '');
    if (number <= previous) throw new S3Error(400, 'InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', {}, { UploadId: upload.uploadId });
    previous = number;
    const part = upload.parts.get(number);
    const etag = childText(entry, 'ETag');
    if (!part || etag === undefined || unquote(etag) !== unquote(part.etag)) {
      throw new S3Error(400, 'InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {}, { UploadId: upload.uploadId, PartNumber: String(number), ETag: etag ?? '' });
    }
    if (upload.checksumAlgorithm) {
      const given = childText(entry, CHECKSUM_ELEMENT[upload.checksumAlgorithm]);
      if (given === undefined) {
        throw invalidRequest(`The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${number} in the request.`);
      }
      if (given !== part.checksum) {
        throw new S3Error(400, 'InvalidPart', "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.", {}, { UploadId: upload.uploadId, PartNumber: String(number) });
      }
    }
    chosen.push(part);
  }
  chosen.forEach((part, i) => {
    if (i < chosen.length - 1 && part.body.length < MIN_PART_BYTES) {
      throw new S3Error(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {}, {
        ProposedSize: String(part.body.length), MinSizeAllowed: String(MIN_PART_BYTES), PartNumber: String(part.partNumber), ETag: part.etag,
      });
    }
  });
  checkWriteConditions((n) => req.header(n), ctx.key, bucket.live(ctx.key));

  const body = chosen.length === 1 ? chosen[0]!.body : Buffer.concat(chosen.map((p) => p.body));
  const md5s = Buffer.concat(chosen.map((p) => Buffer.from(unquote(p.etag), 'hex')));
  const etag = `"${createHash('md5').update(md5s).digest('hex')}-${chosen.length}"`;
  let checksum: StoredChecksum | undefined;
  if (upload.checksumAlgorithm) {
    const algorithm = upload.checksumAlgorithm;
    checksum = upload.checksumType === 'FULL_OBJECT'
      ? { algorithm, value: checksumBase64(algorithm, body), type: 'FULL_OBJECT' }
      : { algorithm, value: `${computeChecksum(algorithm, Buffer.concat(chosen.map((p) => Buffer.from(p.checksum ?? '', 'base64')))).toString('base64')}-${chosen.length}`, type: 'COMPOSITE' };
    const header = req.value(checksumHeader(algorithm));
    if (header !== undefined && header !== checksum.value) throw new S3Error(400, 'BadDigest', `The ${algorithm.toLowerCase()} you specified did not match the calculated checksum.`);
  }
  const version = putVersion(bucket, ctx.key, new ObjectVersion(body, etag, ctx.now, '', upload.attrs, false, checksum, chosen.map((p) => p.body.length)));
  bucket.uploads.delete(upload.uploadId);

  const headers: Record<string, string> = { ...versionHeader(bucket, version.versionId), ...sseHeaders(effectiveSse(upload.attrs, bucket), bucket) };
  const checksumXml = checksum ? tag(CHECKSUM_ELEMENT[checksum.algorithm], checksum.value) + tag('ChecksumType', checksum.type) : '';
  const location = `/${encodeURIComponent(bucketLabel(ctx))}/${ctx.key.split('/').map(encodeURIComponent).join('/')}`;
  return xmlResponse(200, xmlDocument('CompleteMultipartUploadResult',
    tag('Location', location) + tag('Bucket', bucketLabel(ctx)) + tag('Key', ctx.key) + tag('ETag', etag) + checksumXml), headers);
}

export function abortMultipartUpload(ctx: S3Context): S3Response {
  const upload = uploadOf(ctx);
  ctx.bucket.uploads.delete(upload.uploadId);
  return emptyResponse(204);
}

const owner = (accountId: string): string => wrap('Owner', tag('ID', canonicalUserId(accountId)));
const initiator = (upload: MultipartUpload): string => wrap('Initiator', tag('ID', upload.initiatorArn) + tag('DisplayName', upload.initiatorArn.split('/').at(-1)));

function maxOf(value: string | undefined, name: string): number {
  if (value === undefined) return 1000;
  if (!/^\d+$/.test(value)) throw invalidArgument(`Provided ${name} not an integer or within integer range`, name, value);
  return Math.min(Number(value), 1000);
}

export function listParts(ctx: S3Context): S3Response {
  const { query } = ctx.req;
  const upload = uploadOf(ctx);
  const max = maxOf(query.get('max-parts'), 'max-parts');
  const markerText = query.get('part-number-marker');
  const marker = markerText === undefined ? 0 : Number(markerText);
  if (!Number.isInteger(marker) || marker < 0) throw invalidArgument('Part number marker must be an integer', 'part-number-marker', markerText ?? '');
  const parts = [...upload.parts.values()].filter((p) => p.partNumber > marker).sort((a, b) => a.partNumber - b.partNumber);
  const page = parts.slice(0, max);
  const truncated = parts.length > page.length;
  const xml = tag('Bucket', bucketLabel(ctx)) + tag('Key', ctx.key) + tag('UploadId', upload.uploadId)
    + tag('PartNumberMarker', marker) + (page.length > 0 ? tag('NextPartNumberMarker', page[page.length - 1]!.partNumber) : '')
    + tag('MaxParts', max) + tag('IsTruncated', truncated) + initiator(upload) + owner(ctx.bucket.owner)
    + tag('StorageClass', upload.attrs?.storageClass ?? 'STANDARD')
    + (upload.checksumAlgorithm ? tag('ChecksumAlgorithm', upload.checksumAlgorithm) + tag('ChecksumType', upload.checksumType) : '')
    + page.map((p) => wrap('Part', tag('PartNumber', p.partNumber) + tag('LastModified', new Date(p.lastModified).toISOString())
      + tag('ETag', p.etag) + tag('Size', p.body.length)
      + (upload.checksumAlgorithm && p.checksum ? tag(CHECKSUM_ELEMENT[upload.checksumAlgorithm], p.checksum) : ''))).join('');
  return xmlResponse(200, xmlDocument('ListPartsResult', xml));
}

/** Uploads in progress, sorted by key (UTF-8 order) then initiation time, as S3 lists them. */
export function sortedUploads(bucket: BucketState): MultipartUpload[] {
  return [...bucket.uploads.values()].sort((a, b) => compareUtf8(a.key, b.key) || a.initiated - b.initiated || compareUtf8(a.uploadId, b.uploadId));
}

export function listMultipartUploads(ctx: S3Context): S3Response {
  const { query } = ctx.req;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const keyMarker = query.get('key-marker') ?? '';
  const uploadIdMarker = query.get('upload-id-marker') ?? '';
  const max = maxOf(query.get('max-uploads'), 'max-uploads');
  const uploads = sortedUploads(ctx.bucket).filter((u) => u.key.startsWith(prefix));
  const afterMarker = (u: MultipartUpload): boolean => {
    if (keyMarker === '') return true;
    const c = compareUtf8(u.key, keyMarker);
    if (c !== 0) return c > 0;
    // With an upload-id-marker, later uploads of the marker key follow; without one, the key is skipped.
    if (uploadIdMarker === '') return false;
    const markerUpload = ctx.bucket.uploads.get(uploadIdMarker);
    return markerUpload ? u.initiated > markerUpload.initiated || (u.initiated === markerUpload.initiated && compareUtf8(u.uploadId, uploadIdMarker) > 0) : false;
  };
  const entries: string[] = [];
  const prefixes: string[] = [];
  let last: MultipartUpload | undefined;
  let lastPrefix: string | undefined;
  let truncated = false;
  for (const upload of uploads.filter(afterMarker)) {
    const cut = delimiter ? upload.key.indexOf(delimiter, prefix.length) : -1;
    const common = cut >= 0 ? upload.key.slice(0, cut + delimiter!.length) : undefined;
    if (common !== undefined && (common === lastPrefix || compareUtf8(common, keyMarker) <= 0)) continue;
    if (entries.length + prefixes.length >= max) { truncated = true; break; }
    if (common !== undefined) { prefixes.push(common); lastPrefix = common; last = undefined; continue; }
    entries.push(wrap('Upload', tag('Key', upload.key) + tag('UploadId', upload.uploadId) + initiator(upload) + owner(ctx.bucket.owner)
      + tag('StorageClass', upload.attrs?.storageClass ?? 'STANDARD') + tag('Initiated', new Date(upload.initiated).toISOString())
      + (upload.checksumAlgorithm ? tag('ChecksumAlgorithm', upload.checksumAlgorithm) + tag('ChecksumType', upload.checksumType) : '')));
    last = upload;
    lastPrefix = undefined;
  }
  const next = truncated ? tag('NextKeyMarker', last?.key ?? lastPrefix) + tag('NextUploadIdMarker', last?.uploadId ?? '') : '';
  const xml = tag('Bucket', bucketLabel(ctx)) + tag('KeyMarker', keyMarker) + tag('UploadIdMarker', uploadIdMarker) + next
    + (prefix !== '' ? tag('Prefix', prefix) : '') + tag('Delimiter', delimiter) + tag('MaxUploads', max) + tag('IsTruncated', truncated)
    + entries.join('') + prefixes.map((p) => wrap('CommonPrefixes', tag('Prefix', p))).join('');
  return xmlResponse(200, xmlDocument('ListMultipartUploadsResult', xml));
}

