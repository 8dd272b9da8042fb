import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectsCommand, GetBucketCorsCommand,
  GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, ListPartsCommand, PutBucketCorsCommand, PutObjectCommand, UploadPartCommand,
  UploadPartCopyCommand, S3Client, type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { allow, failure, md5Hex, OWNER, rawRequest, startS3, type S3Fixture } from './fixture.js';

/** Multipart uploads, batch deletes and CORS in the fake S3. */

const MiB = 1024 * 1024;
let f: S3Fixture;
let admin: S3Client;

beforeAll(async () => {
  f = await startS3([
    'uploads',
    { name: 'browser', cors: [{ allowedOrigins: ['https://app.example.com'], allowedMethods: ['GET', 'PUT', 'POST'], allowedHeaders: ['content-type', 'x-amz-*'], exposeHeaders: ['ETag'], maxAgeSeconds: 600 }] },
  ]);
  admin = f.client(f.admin);
});
afterAll(async () => { await f?.close(); });

const part = (n: number, size: number): Buffer => Buffer.alloc(size, n);

async function uploadParts(client: S3Client, Key: string, sizes: number[], extra: Record<string, unknown> = {}): Promise<{ uploadId: string; parts: CompletedPart[] }> {
  // As @aws-sdk/lib-storage does: the SDK checksums every part (CRC32 by default), so the upload must say so.
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key, ChecksumAlgorithm: 'CRC32', ...extra }));
  const parts: CompletedPart[] = [];
  for (const [i, size] of sizes.entries()) {
    const out = await client.send(new UploadPartCommand({ Bucket: 'uploads', Key, UploadId: created.UploadId, PartNumber: i + 1, Body: part(i + 1, size) }));
    parts.push({ PartNumber: i + 1, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32 });
  }
  return { uploadId: created.UploadId!, parts };
}

describe('multipart uploads', () => {
  it('assembles the parts, keeps the attributes given at creation, and uses the md5-of-md5s ETag', async () => {
    const sizes = [5 * MiB, 5 * MiB, 1234];
    const { uploadId, parts } = await uploadParts(admin, 'mp/whole.bin', sizes, {
      ContentType: 'video/mp4', Metadata: { source: 'camera' }, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k',
    });
    expect(f.s3.listMultipartUploads('uploads')).toEqual([expect.objectContaining({ key: 'mp/whole.bin', uploadId, parts: [1, 2, 3] })]);
    const done = await admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/whole.bin', UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    const md5s = Buffer.concat(sizes.map((size, i) => createHash('md5').update(part(i + 1, size)).digest()));
    expect(done.ETag).toBe(`"${createHash('md5').update(md5s).digest('hex')}-3"`);
    expect(done).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:111111111111:key/k' });
    const head = await admin.send(new HeadObjectCommand({ Bucket: 'uploads', Key: 'mp/whole.bin' }));
    expect(head).toMatchObject({ ContentType: 'video/mp4', Metadata: { source: 'camera' }, ContentLength: 10 * MiB + 1234, ETag: done.ETag, ServerSideEncryption: 'aws:kms' });
    const stored = await f.s3.getObject('uploads', 'mp/whole.bin');
    expect(Buffer.from(stored!.body).equals(Buffer.concat(sizes.map((size, i) => part(i + 1, size))))).toBe(true);
    expect(stored!.partSizes).toEqual(sizes);
    // Part 2 alone, by part number.
    const second = await admin.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'mp/whole.bin', PartNumber: 2 }));
    expect(second).toMatchObject({ PartsCount: 3, ContentLength: 5 * MiB, ContentRange: `bytes ${5 * MiB}-${10 * MiB - 1}/${10 * MiB + 1234}` });
    await second.Body!.transformToByteArray();
    // The upload id is gone for good.
    expect(f.s3.listMultipartUploads('uploads')).toEqual([]);
    expect(await failure(admin.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/whole.bin', UploadId: uploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });

  it('validates the part list: order, ETags, sizes', async () => {
    const { uploadId, parts } = await uploadParts(admin, 'mp/checked.bin', [5 * MiB, 1 * MiB, 1 * MiB]);
    const complete = (Parts: CompletedPart[]) => admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/checked.bin', UploadId: uploadId, MultipartUpload: { Parts } }));
    expect(await failure(complete([parts[1]!, parts[0]!]))).toMatchObject({ name: 'InvalidPartOrder', status: 400 });
    expect(await failure(complete([parts[0]!, parts[0]!]))).toMatchObject({ name: 'InvalidPartOrder', status: 400 });
    expect(await failure(complete([{ PartNumber: 1, ETag: '"0123456789abcdef0123456789abcdef"' }]))).toMatchObject({ name: 'InvalidPart', status: 400 });
    expect(await failure(complete([...parts.slice(0, 2), { PartNumber: 9, ETag: parts[2]!.ETag }]))).toMatchObject({ name: 'InvalidPart' });
    // Every part but the last must be at least 5 MiB.
    expect(await failure(complete(parts))).toMatchObject({ name: 'EntityTooSmall', status: 400 });
    expect(await f.s3.getObject('uploads', 'mp/checked.bin')).toBeUndefined();
    // A subset of the parts is a valid object; the rest are dropped.
    await complete([parts[0]!, parts[2]!]);
    expect((await f.s3.getObject('uploads', 'mp/checked.bin'))!.body.length).toBe(6 * MiB);
  });

  it('CompleteMultipartUpload honours If-None-Match and If-Match', async () => {
    await f.s3.putObject('uploads', 'mp/exists.bin', 'already here');
    const { uploadId, parts } = await uploadParts(admin, 'mp/exists.bin', [100]);
    const complete = (extra: Record<string, string>) => admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/exists.bin', UploadId: uploadId, MultipartUpload: { Parts: parts }, ...extra }));
    expect(await failure(complete({ IfNoneMatch: '*' }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await failure(complete({ IfMatch: '"ffff"' }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(new TextDecoder().decode((await f.s3.getObject('uploads', 'mp/exists.bin'))!.body)).toBe('already here');
    await complete({ IfMatch: `"${md5Hex('already here')}"` });
    expect((await f.s3.getObject('uploads', 'mp/exists.bin'))!.body.length).toBe(100);
  });

  it('abort forgets the upload: parts, completion and ListParts answer NoSuchUpload afterwards', async () => {
    const { uploadId, parts } = await uploadParts(admin, 'mp/aborted.bin', [10, 10]);
    const listed = await admin.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'mp/aborted.bin', UploadId: uploadId }));
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag])).toEqual([[1, 10, parts[0]!.ETag], [2, 10, parts[1]!.ETag]]);
    await admin.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/aborted.bin', UploadId: uploadId }));
    for (const attempt of [
      () => admin.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/aborted.bin', UploadId: uploadId, PartNumber: 3, Body: 'x' })),
      () => admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/aborted.bin', UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      () => admin.send(new ListPartsCommand({ Bucket: 'uploads', Key: 'mp/aborted.bin', UploadId: uploadId })),
      () => admin.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/aborted.bin', UploadId: uploadId })),
    ]) expect(await failure(attempt())).toMatchObject({ name: 'NoSuchUpload', status: 404 });
    expect(await f.s3.getObject('uploads', 'mp/aborted.bin')).toBeUndefined();
    // An upload id is bound to its key.
    const other = await uploadParts(admin, 'mp/one-key.bin', [10]);
    expect(await failure(admin.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/another-key.bin', UploadId: other.uploadId, PartNumber: 1, Body: 'x' })))).toMatchObject({ name: 'NoSuchUpload' });
    await admin.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/one-key.bin', UploadId: other.uploadId }));
  });

  it('ListMultipartUploads filters by prefix and pages', async () => {
    const ids: string[] = [];
    for (const key of ['lmu/a', 'lmu/b', 'lmu/b', 'lmu/c', 'other/x']) ids.push((await admin.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: key }))).UploadId!);
    const all = await admin.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'lmu/' }));
    expect(all.Uploads?.map((u) => u.Key)).toEqual(['lmu/a', 'lmu/b', 'lmu/b', 'lmu/c']);
    const first = await admin.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'lmu/', MaxUploads: 2 }));
    expect(first).toMatchObject({ IsTruncated: true, NextKeyMarker: 'lmu/b' });
    const rest = await admin.send(new ListMultipartUploadsCommand({ Bucket: 'uploads', Prefix: 'lmu/', KeyMarker: first.NextKeyMarker, UploadIdMarker: first.NextUploadIdMarker }));
    expect([...(first.Uploads ?? []), ...(rest.Uploads ?? [])].map((u) => u.UploadId)).toEqual(all.Uploads?.map((u) => u.UploadId));
    const reader = f.client(f.session([allow('s3:ListBucket', 'arn:aws:s3:::uploads')]));
    expect(await failure(reader.send(new ListMultipartUploadsCommand({ Bucket: 'uploads' })))).toMatchObject({ name: 'AccessDenied' });
    for (const [i, key] of ['lmu/a', 'lmu/b', 'lmu/b', 'lmu/c', 'other/x'].entries()) await admin.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: key, UploadId: ids[i] }));
  });

  it('checksummed uploads: every part carries the upload\'s algorithm; a mismatched or missing part checksum is refused', async () => {
    const created = await admin.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', ChecksumAlgorithm: 'SHA256' }));
    expect(created.ChecksumAlgorithm).toBe('SHA256');
    const p1 = await admin.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', UploadId: created.UploadId, PartNumber: 1, Body: 'part one', ChecksumAlgorithm: 'SHA256' }));
    expect(p1.ChecksumSHA256).toBe(createHash('sha256').update('part one').digest('base64'));
    expect(await failure(admin.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', UploadId: created.UploadId, PartNumber: 2, Body: 'x', ChecksumAlgorithm: 'CRC32' })))).toMatchObject({ name: 'InvalidRequest' });
    const bare = new S3Client({ region: 'us-east-1', endpoint: f.s3.endpoint, forcePathStyle: true, credentials: f.admin, requestChecksumCalculation: 'WHEN_REQUIRED' });
    expect(await failure(bare.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', UploadId: created.UploadId, PartNumber: 2, Body: 'x' })))).toMatchObject({ name: 'InvalidRequest' });
    bare.destroy();
    expect(await failure(admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: createHash('sha256').update('other').digest('base64') }] } })))).toMatchObject({ name: 'InvalidPart' });
    expect(await failure(admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }] } })))).toMatchObject({ name: 'InvalidRequest' });
    const done = await admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/sum.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumSHA256: p1.ChecksumSHA256 }] } }));
    const composite = createHash('sha256').update(createHash('sha256').update('part one').digest()).digest('base64');
    expect(done.ChecksumSHA256).toBe(`${composite}-1`);
  });

  it('an upload created without an algorithm refuses parts that carry one (the SDK default), as S3 does', async () => {
    const plain = new S3Client({ region: 'us-east-1', endpoint: f.s3.endpoint, forcePathStyle: true, credentials: f.admin, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const created = await plain.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/nosum.bin' }));
    await plain.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/nosum.bin', UploadId: created.UploadId, PartNumber: 1, Body: 'fine' }));
    const error = await failure(admin.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/nosum.bin', UploadId: created.UploadId, PartNumber: 2, Body: 'x', ChecksumAlgorithm: 'CRC32' })));
    expect(error).toMatchObject({ name: 'InvalidRequest', status: 400 });
    plain.destroy();
  });

  it('UploadPartCopy copies a range of another object into a part', async () => {
    await f.s3.putObject('uploads', 'mp/source.bin', part(7, 6 * MiB));
    const created = await admin.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/copied.bin' }));
    const copied = await admin.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'mp/copied.bin', UploadId: created.UploadId, PartNumber: 1, CopySource: 'uploads/mp/source.bin', CopySourceRange: `bytes=0-${5 * MiB - 1}` }));
    const tail = await admin.send(new UploadPartCopyCommand({ Bucket: 'uploads', Key: 'mp/copied.bin', UploadId: created.UploadId, PartNumber: 2, CopySource: 'uploads/mp/source.bin', CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}` }));
    await admin.send(new CompleteMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/copied.bin', UploadId: created.UploadId, MultipartUpload: { Parts: [
      { PartNumber: 1, ETag: copied.CopyPartResult?.ETag }, { PartNumber: 2, ETag: tail.CopyPartResult?.ETag },
    ] } }));
    expect(Buffer.from((await f.s3.getObject('uploads', 'mp/copied.bin'))!.body).equals(part(7, 6 * MiB))).toBe(true);
  });

  it('a read-only credential cannot start, fill or finish an upload', async () => {
    const reader = f.client(f.session([allow('s3:GetObject', 'arn:aws:s3:::uploads/*')]));
    expect(await failure(reader.send(new CreateMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/ro.bin' })))).toMatchObject({ name: 'AccessDenied' });
    const { uploadId } = await uploadParts(admin, 'mp/ro.bin', [10]);
    expect(await failure(reader.send(new UploadPartCommand({ Bucket: 'uploads', Key: 'mp/ro.bin', UploadId: uploadId, PartNumber: 2, Body: 'x' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(reader.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/ro.bin', UploadId: uploadId })))).toMatchObject({ name: 'AccessDenied' });
    await admin.send(new AbortMultipartUploadCommand({ Bucket: 'uploads', Key: 'mp/ro.bin', UploadId: uploadId }));
  });
});

describe('browser multipart with presigned part URLs and CORS', () => {
  it('parts PUT by fetch to presigned UploadPart URLs, ETags readable through CORS', async () => {
    const signer = new S3Client({ region: 'us-east-1', endpoint: f.s3.endpoint, forcePathStyle: true, credentials: f.admin, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const created = await signer.send(new CreateMultipartUploadCommand({ Bucket: 'browser', Key: 'video.mp4', ContentType: 'video/mp4' }));
    const chunks = [part(1, 5 * MiB), part(2, 3 * MiB)];
    const parts: CompletedPart[] = [];
    for (const [i, chunk] of chunks.entries()) {
      const url = await getSignedUrl(signer, new UploadPartCommand({ Bucket: 'browser', Key: 'video.mp4', UploadId: created.UploadId, PartNumber: i + 1 }), { expiresIn: 300 });
      const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } });
      expect(preflight.status).toBe(200);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      const res = await fetch(url, { method: 'PUT', body: new Uint8Array(chunk), headers: { origin: 'https://app.example.com' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
      expect(res.headers.get('access-control-expose-headers')).toBe('ETag');
      parts.push({ PartNumber: i + 1, ETag: res.headers.get('etag')! });
    }
    await signer.send(new CompleteMultipartUploadCommand({ Bucket: 'browser', Key: 'video.mp4', UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));
    expect(Buffer.from((await f.s3.getObject('browser', 'video.mp4'))!.body).equals(Buffer.concat(chunks))).toBe(true);
    signer.destroy();
  });
});

describe('CORS', () => {
  it('answers preflights from the rules and refuses the rest', async () => {
    const ask = (origin: string | undefined, method: string, headers?: string) => rawRequest(f.s3.endpoint, 'OPTIONS', '/browser/k', {
      ...(origin ? { origin } : {}), 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}),
    });
    const ok = await ask('https://app.example.com', 'PUT', 'Content-Type, x-amz-meta-label');
    expect(ok.status).toBe(200);
    expect(ok.headers).toMatchObject({ 'access-control-allow-methods': 'GET, PUT, POST', 'access-control-allow-headers': 'content-type, x-amz-meta-label', 'access-control-max-age': '600', 'access-control-allow-credentials': 'true' });
    expect((await ask('https://evil.example.com', 'PUT')).status).toBe(403);
    expect((await ask('https://app.example.com', 'DELETE')).status).toBe(403);
    expect((await ask('https://app.example.com', 'PUT', 'authorization-x')).status).toBe(403);
    expect((await ask(undefined, 'PUT')).status).toBe(400);
    expect((await rawRequest(f.s3.endpoint, 'OPTIONS', '/uploads/k', { origin: 'https://app.example.com', 'access-control-request-method': 'GET' })).body.toString()).toContain('CORS is not enabled');
  });

  it('adds CORS headers to actual requests from allowed origins, refusals included', async () => {
    await f.s3.putObject('browser', 'pic.jpg', 'jpeg');
    const url = await getSignedUrl(admin, new GetObjectCommand({ Bucket: 'browser', Key: 'pic.jpg' }), { expiresIn: 60 });
    const allowed = await fetch(url, { headers: { origin: 'https://app.example.com' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(await allowed.text()).toBe('jpeg');
    const other = await fetch(url, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    await other.arrayBuffer();
    const refused = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=z'), { headers: { origin: 'https://app.example.com' } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    await refused.arrayBuffer();
  });

  it('PutBucketCors / GetBucketCors round-trip; no configuration is NoSuchCORSConfiguration', async () => {
    expect(await failure(admin.send(new GetBucketCorsCommand({ Bucket: 'uploads' })))).toMatchObject({ name: 'NoSuchCORSConfiguration', status: 404 });
    await admin.send(new PutBucketCorsCommand({ Bucket: 'uploads', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['ETag', 'x-amz-version-id'] }] } }));
    expect((await admin.send(new GetBucketCorsCommand({ Bucket: 'uploads' }))).CORSRules).toEqual([{ AllowedOrigins: ['*'], AllowedMethods: ['GET'], ExposeHeaders: ['ETag', 'x-amz-version-id'] }]);
    const any = await rawRequest(f.s3.endpoint, 'OPTIONS', '/uploads/k', { origin: 'https://anything.example', 'access-control-request-method': 'GET' });
    expect(any.headers['access-control-allow-origin']).toBe('*');
    expect(any.headers['access-control-allow-credentials']).toBeUndefined();
    expect(await failure(admin.send(new PutBucketCorsCommand({ Bucket: 'uploads', CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] } })))).toMatchObject({ name: 'InvalidRequest' });
  });
});

describe('DeleteObjects', () => {
  it('deletes many keys, reports each, and is quiet when asked', async () => {
    for (const k of ['batch/a', 'batch/b', 'batch/c']) await f.s3.putObject('uploads', k, k);
    const out = await admin.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [{ Key: 'batch/a' }, { Key: 'batch/b' }, { Key: 'batch/missing' }] } }));
    expect(out.Deleted?.map((d) => d.Key).sort()).toEqual(['batch/a', 'batch/b', 'batch/missing']);
    expect(await f.s3.getObject('uploads', 'batch/a')).toBeUndefined();
    const quiet = await admin.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Quiet: true, Objects: [{ Key: 'batch/c' }] } }));
    expect(quiet.Deleted).toBeUndefined();
    expect(await f.s3.getObject('uploads', 'batch/c')).toBeUndefined();
  });

  it('authorises and conditions every key on its own', async () => {
    for (const k of ['scoped/in/a', 'scoped/out/b', 'scoped/in/c']) await f.s3.putObject('uploads', k, k);
    const deleter = f.client(f.session([allow(['s3:DeleteObject', 's3:GetObject'], 'arn:aws:s3:::uploads/scoped/in/*')]));
    const out = await deleter.send(new DeleteObjectsCommand({ Bucket: 'uploads', Delete: { Objects: [
      { Key: 'scoped/in/a' }, { Key: 'scoped/out/b' }, { Key: 'scoped/in/c', ETag: '"ffffffffffffffffffffffffffffffff"' },
    ] } }));
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['scoped/in/a']);
    expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([['scoped/out/b', 'AccessDenied'], ['scoped/in/c', 'PreconditionFailed']]);
    expect(await f.s3.getObject('uploads', 'scoped/out/b')).toBeDefined();
    expect(await f.s3.getObject('uploads', 'scoped/in/c')).toBeDefined();
    expect(f.s3.requests.at(-1)?.actions).toContain('s3:DeleteObject');
  });

  it('the requests of the bucket owner are recorded with their operation', async () => {
    await admin.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'rec', Body: 'x' }));
    expect(f.s3.requests.at(-1)).toMatchObject({ operation: 'PutObject', status: 200, accessKeyId: f.admin.accessKeyId });
    expect(OWNER).toBe('111111111111');
  });
});
