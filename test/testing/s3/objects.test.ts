import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { allow, failure, md5Hex, OWNER, rawRequest, startS3, type S3Fixture } from './fixture.js';

/** Objects in the fake S3: literal keys, attributes, ranges, conditional requests, encryption, copies, checksums, big bodies. */

let f: S3Fixture;
let admin: S3Client;

beforeAll(async () => {
  f = await startS3([
    'objects',
    { name: 'kms-only', policy: { Version: '2012-10-17', Statement: [
      { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::kms-only/*', Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
      { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::kms-only/*', Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' } } },
      { Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::kms-only/*', Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:us-east-1:111111111111:key/good-key' } } },
    ] } },
  ]);
  admin = f.client(f.admin);
});
afterAll(async () => { await f?.close(); });

const text = async (out: { Body?: { transformToString(): Promise<string> } }): Promise<string> => out.Body!.transformToString();

describe('keys are literal', () => {
  const KEYS = ['in/../secret/x.txt', 'a/./b', 'a//b', 'a/', '/leading', 'x%2Fy', 'with space', 'caf\u00e9', 'cafe\u0301', '\u{1F600}/emoji', 'q?x#y', 'plus+sign', '..', '.', 'dir/..'];

  it('stores and serves every key exactly as named, each distinct from its look-alikes', async () => {
    for (const [i, key] of KEYS.entries()) await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: `body ${i}` }));
    for (const [i, key] of KEYS.entries()) {
      expect(await text(await admin.send(new GetObjectCommand({ Bucket: 'objects', Key: key })))).toBe(`body ${i}`);
      expect(new TextDecoder().decode((await f.s3.getObject('objects', key))!.body)).toBe(`body ${i}`);
    }
    // Nothing was normalised into another key.
    for (const ghost of ['secret/x.txt', 'a/b', 'x/y', 'a', 'leading', 'dir']) expect(await f.s3.getObject('objects', ghost)).toBeUndefined();
    const listed = await admin.send(new ListObjectsV2Command({ Bucket: 'objects' }));
    expect(listed.Contents!.map((c) => c.Key).sort()).toEqual([...KEYS].sort());
  });

  it('authorises exactly the key it serves: an in/* reader gets NoSuchKey for in/../secret/x.txt, never secret/x.txt', async () => {
    await f.s3.putObject('objects', 'secret/x.txt', 'the secret');
    const reader = f.client(f.session([allow('s3:GetObject', 'arn:aws:s3:::objects/in/*')]));
    await admin.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'in/../secret/x.txt' }));
    const missing = await failure(reader.send(new GetObjectCommand({ Bucket: 'objects', Key: 'in/../secret/x.txt' })));
    expect(missing).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await failure(reader.send(new GetObjectCommand({ Bucket: 'objects', Key: 'secret/x.txt' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    // The same over a raw socket, dot segments sent as they are: still the literal key.
    const url = await getSignedUrl(reader, new GetObjectCommand({ Bucket: 'objects', Key: 'in/../secret/x.txt' }), { expiresIn: 60 });
    const path = url.slice(url.indexOf('/objects/'));
    expect(path.startsWith('/objects/in/../secret/x.txt?')).toBe(true);
    const raw = await rawRequest(f.s3.endpoint, 'GET', path);
    expect(raw.status).toBe(404);
    expect(raw.body.toString()).toContain('<Code>NoSuchKey</Code>');
    expect(raw.body.toString()).not.toContain('the secret');
    // And a literal object under that name is what the reader gets once it exists.
    await f.s3.putObject('objects', 'in/../secret/x.txt', 'literal dots');
    expect(await text(await reader.send(new GetObjectCommand({ Bucket: 'objects', Key: 'in/../secret/x.txt' })))).toBe('literal dots');
    expect(f.s3.requests.at(-1)).toMatchObject({ key: 'in/../secret/x.txt', operation: 'GetObject', status: 200 });
  });

  it('refuses keys over 1024 UTF-8 bytes with KeyTooLongError', async () => {
    const ok = 'k'.repeat(1024);
    await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: ok, Body: 'x' }));
    // 342 three-byte characters are 1026 bytes though only 342 UTF-16 units.
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: '\u20ac'.repeat(342), Body: 'x' })))).toMatchObject({ name: 'KeyTooLongError', status: 400 });
  });

  it('refuses malformed percent-escapes instead of guessing a key', async () => {
    const res = await rawRequest(f.s3.endpoint, 'GET', '/objects/bad%ZZkey');
    expect(res.status).toBe(400);
    expect(res.body.toString()).toContain('InvalidURI');
  });
});

describe('object attributes', () => {
  it('ETag is the quoted MD5; Content-Type defaults to binary/octet-stream', async () => {
    // The SDK always sends a Content-Type; a presigned PUT from fetch with bytes sends none.
    const signer = new S3Client({ region: 'us-east-1', endpoint: f.s3.endpoint, forcePathStyle: true, credentials: f.admin, requestChecksumCalculation: 'WHEN_REQUIRED' });
    const url = await getSignedUrl(signer, new PutObjectCommand({ Bucket: 'objects', Key: 'attr/plain' }), { expiresIn: 60 });
    signer.destroy();
    const res = await fetch(url, { method: 'PUT', body: new TextEncoder().encode('hello') });
    const put = { ETag: res.headers.get('etag') };
    expect(res.status, await res.text()).toBe(200);
    expect(put.ETag).toBe(`"${md5Hex('hello')}"`);
    const head = await admin.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'attr/plain' }));
    expect(head).toMatchObject({ ContentType: 'binary/octet-stream', ContentLength: 5, ETag: put.ETag, AcceptRanges: 'bytes', ServerSideEncryption: 'AES256' });
    expect(head.LastModified).toBeInstanceOf(Date);
    expect(head.VersionId).toBeUndefined();
  });

  it('stores and returns user metadata and the content headers', async () => {
    await admin.send(new PutObjectCommand({
      Bucket: 'objects', Key: 'attr/full', Body: '{}', ContentType: 'application/json', CacheControl: 'max-age=60', ContentDisposition: 'attachment; filename="a.json"',
      ContentEncoding: 'identity', ContentLanguage: 'en', Expires: new Date('2030-01-01T00:00:00Z'), Metadata: { label: 'cat', 'Mixed-Case': 'v' }, StorageClass: 'STANDARD_IA',
    }));
    const got = await admin.send(new GetObjectCommand({ Bucket: 'objects', Key: 'attr/full' }));
    expect(got).toMatchObject({
      ContentType: 'application/json', CacheControl: 'max-age=60', ContentDisposition: 'attachment; filename="a.json"', ContentEncoding: 'identity',
      ContentLanguage: 'en', Metadata: { label: 'cat', 'mixed-case': 'v' }, StorageClass: 'STANDARD_IA',
    });
    expect(got.ExpiresString).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
    expect(await f.s3.getObject('objects', 'attr/full')).toMatchObject({ metadata: { label: 'cat', 'mixed-case': 'v' }, cacheControl: 'max-age=60', storageClass: 'STANDARD_IA' });
  });

  it('refuses user metadata over 2 KB', async () => {
    const error = await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'attr/big-meta', Body: 'x', Metadata: { a: 'v'.repeat(2048) } })));
    expect(error).toMatchObject({ name: 'MetadataTooLarge', status: 400 });
    expect(await f.s3.getObject('objects', 'attr/big-meta')).toBeUndefined();
  });

  it('honours response-* overrides on signed GETs (presigned URLs included)', async () => {
    await f.s3.putObject('objects', 'attr/download.bin', 'payload', { contentType: 'application/octet-stream' });
    const url = await getSignedUrl(admin, new GetObjectCommand({
      Bucket: 'objects', Key: 'attr/download.bin', ResponseContentDisposition: 'attachment; filename="cat.jpg"', ResponseContentType: 'image/jpeg', ResponseCacheControl: 'no-store',
    }), { expiresIn: 60 });
    const res = await fetch(url);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="cat.jpg"');
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('payload');
  });

  it('refuses ACLs other than bucket-owner-full-control (ACLs disabled, as on new buckets)', async () => {
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'attr/acl', Body: 'x', ACL: 'public-read' })))).toMatchObject({ name: 'AccessControlListNotSupported', status: 400 });
    await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'attr/acl', Body: 'x', ACL: 'bucket-owner-full-control' }));
  });
});

describe('server-side encryption', () => {
  it('stores the SSE headers and echoes them on PUT, GET and HEAD', async () => {
    const put = await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sse/kms', Body: 'secret', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'key-1', BucketKeyEnabled: true }));
    expect(put).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: `arn:aws:kms:us-east-1:${OWNER}:key/key-1`, BucketKeyEnabled: true });
    const head = await admin.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'sse/kms' }));
    expect(head).toMatchObject({ ServerSideEncryption: 'aws:kms', SSEKMSKeyId: `arn:aws:kms:us-east-1:${OWNER}:key/key-1`, BucketKeyEnabled: true });
    const aes = await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sse/aes', Body: 'x', ServerSideEncryption: 'AES256' }));
    expect(aes.ServerSideEncryption).toBe('AES256');
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sse/bad', Body: 'x', SSEKMSKeyId: 'key-1' })))).toMatchObject({ name: 'InvalidArgument' });
  });

  it('refuses SSE-C over plain HTTP, as S3 does', async () => {
    const error = await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sse/c', Body: 'x', SSECustomerAlgorithm: 'AES256', SSECustomerKey: 'k'.repeat(32) })));
    expect(error).toMatchObject({ name: 'InvalidRequest', status: 400 });
  });

  it('a bucket policy denying unencrypted or wrong-key writes is enforced on the SSE condition keys', async () => {
    const writer = f.client(f.session([{ Version: '2012-10-17', Statement: [
      { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::kms-only/*' },
      { Effect: 'Allow', Action: 'kms:GenerateDataKey', Resource: 'arn:aws:kms:us-east-1:111111111111:key/good-key' },
    ] }]));
    expect(await failure(writer.send(new PutObjectCommand({ Bucket: 'kms-only', Key: 'a', Body: 'x' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(writer.send(new PutObjectCommand({ Bucket: 'kms-only', Key: 'a', Body: 'x', ServerSideEncryption: 'AES256' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(writer.send(new PutObjectCommand({ Bucket: 'kms-only', Key: 'a', Body: 'x', ServerSideEncryption: 'aws:kms' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(writer.send(new PutObjectCommand({ Bucket: 'kms-only', Key: 'a', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:111111111111:key/other' })))).toMatchObject({ name: 'AccessDenied' });
    await writer.send(new PutObjectCommand({ Bucket: 'kms-only', Key: 'a', Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'arn:aws:kms:us-east-1:111111111111:key/good-key' }));
    expect((await f.s3.getObject('kms-only', 'a'))!.sse).toEqual({ algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:key/good-key' });
    // The Deny binds the bucket owner's administrators too.
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'kms-only', Key: 'b', Body: 'x' })))).toMatchObject({ name: 'AccessDenied' });
  });

  it('S3 uses the KMS key with the caller\'s permissions: GenerateDataKey to write, Decrypt to read (session policy included)', async () => {
    const key = 'arn:aws:kms:us-east-1:111111111111:key/good-key';
    const s3Only = f.client(f.session([allow(['s3:PutObject', 's3:GetObject'], 'arn:aws:s3:::kms-only/*')]));
    const put = (client: typeof s3Only, k: string) => client.send(new PutObjectCommand({ Bucket: 'kms-only', Key: k, Body: 'x', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: key }));
    const denied = await failure(put(s3Only, 'k1'));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect((denied.error as Error).message).toContain('kms:GenerateDataKey');
    expect(await f.s3.getObject('kms-only', 'k1')).toBeUndefined();
    // Write-only KMS grant: the write works, the read needs kms:Decrypt.
    // (Each document is one policy that must allow: identity policy ∩ session policy.)
    const writeOnly = f.client(f.session([allow(['s3:PutObject', 's3:GetObject', 'kms:GenerateDataKey'], '*')]));
    await put(writeOnly, 'k2');
    expect(await failure(writeOnly.send(new GetObjectCommand({ Bucket: 'kms-only', Key: 'k2' })))).toMatchObject({ name: 'AccessDenied' });
    // A grant on another key is no grant on this one.
    const otherKey = f.client(f.session([allow(['s3:PutObject', 's3:GetObject', 'kms:GenerateDataKey', 'kms:Decrypt'], ['arn:aws:s3:::kms-only/*', 'arn:aws:kms:us-east-1:111111111111:key/other'])]));
    expect(await failure(put(otherKey, 'k3'))).toMatchObject({ name: 'AccessDenied' });
    // Identity policy grants KMS broadly; the session policy must grant it too.
    const sessionWithoutKms = f.client(f.session([allow(['s3:*', 'kms:*'], '*'), allow(['s3:PutObject', 's3:GetObject'], 'arn:aws:s3:::kms-only/*')]));
    expect(await failure(sessionWithoutKms.send(new GetObjectCommand({ Bucket: 'kms-only', Key: 'k2' })))).toMatchObject({ name: 'AccessDenied' });
    const both = f.client(f.session([allow(['s3:*', 'kms:*'], '*'), allow(['s3:PutObject', 's3:GetObject', 'kms:GenerateDataKey', 'kms:Decrypt'], ['arn:aws:s3:::kms-only/*', key])]));
    const got = await both.send(new GetObjectCommand({ Bucket: 'kms-only', Key: 'k2' }));
    expect(await got.Body!.transformToString()).toBe('x');
    expect(f.s3.requests.at(-1)!.actions).toEqual(['s3:GetObject', 'kms:Decrypt']);
  });
});

describe('ranges', () => {
  const BODY = '0123456789';
  beforeAll(async () => { await f.s3.putObject('objects', 'range/ten', BODY); await f.s3.putObject('objects', 'range/empty', ''); });
  const get = (Range: string, Key = 'range/ten') => admin.send(new GetObjectCommand({ Bucket: 'objects', Key, Range }));

  it('serves bytes=a-b, a-, -N and bytes=0-0 as 206 with Content-Range', async () => {
    const cases: Array<[string, string, string]> = [['bytes=2-4', '234', 'bytes 2-4/10'], ['bytes=7-', '789', 'bytes 7-9/10'], ['bytes=-3', '789', 'bytes 7-9/10'], ['bytes=0-0', '0', 'bytes 0-0/10'], ['bytes=8-100', '89', 'bytes 8-9/10'], ['bytes=-50', BODY, 'bytes 0-9/10']];
    for (const [range, body, contentRange] of cases) {
      const out = await get(range);
      expect(out.$metadata.httpStatusCode, range).toBe(206);
      expect(out.ContentRange, range).toBe(contentRange);
      expect(await text(out), range).toBe(body);
    }
  });

  it('answers 416 InvalidRange when unsatisfiable, and ignores what it cannot parse', async () => {
    expect(await failure(get('bytes=10-'))).toMatchObject({ name: 'InvalidRange', status: 416 });
    expect(await failure(get('bytes=0-0', 'range/empty'))).toMatchObject({ name: 'InvalidRange', status: 416 });
    expect(await failure(get('bytes=-0'))).toMatchObject({ name: 'InvalidRange', status: 416 });
    for (const ignored of ['bytes=5-2', 'bytes=0-1,3-4', 'items=0-1']) {
      const out = await get(ignored);
      expect(out.$metadata.httpStatusCode, ignored).toBe(200);
      expect(await text(out)).toBe(BODY);
    }
  });
});

describe('conditional reads', () => {
  let etag: string;
  let modified: Date;
  beforeAll(async () => {
    etag = (await f.s3.putObject('objects', 'cond/read', 'v1')).etag;
    modified = (await f.s3.getObject('objects', 'cond/read'))!.lastModified;
  });
  const before = (): Date => new Date(modified.getTime() - 60_000);

  it('If-Match / If-Unmodified-Since fail with 412; If-None-Match / If-Modified-Since give 304', async () => {
    const get = (input: Record<string, unknown>) => admin.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond/read', ...input }));
    expect(await text(await get({ IfMatch: etag }))).toBe('v1');
    expect(await failure(get({ IfMatch: '"0000"' }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await failure(get({ IfUnmodifiedSince: before() }))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect((await failure(get({ IfNoneMatch: etag }))).status).toBe(304);
    expect((await failure(get({ IfModifiedSince: modified }))).status).toBe(304);
    expect(await text(await get({ IfNoneMatch: '"other"' }))).toBe('v1');
    expect(await text(await get({ IfModifiedSince: before() }))).toBe('v1');
    expect((await failure(admin.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'cond/read', IfMatch: '"0000"' })))).status).toBe(412);
  });

  it('follows S3 when both headers of a pair are sent', async () => {
    const get = (input: Record<string, unknown>) => admin.send(new GetObjectCommand({ Bucket: 'objects', Key: 'cond/read', ...input }));
    // If-Match true + If-Unmodified-Since false → 200.
    expect(await text(await get({ IfMatch: etag, IfUnmodifiedSince: before() }))).toBe('v1');
    // A date in the future is no validator: ignored.
    expect(await text(await get({ IfModifiedSince: new Date(Date.now() + 3600_000) }))).toBe('v1');
    // If-None-Match false + If-Modified-Since true → 304.
    expect((await failure(get({ IfNoneMatch: etag, IfModifiedSince: before() }))).status).toBe(304);
  });
});

describe('conditional writes and deletes', () => {
  it('PutObject If-None-Match: * creates only; If-Match updates only the expected version', async () => {
    await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/write', Body: 'first', IfNoneMatch: '*' }));
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/write', Body: 'second', IfNoneMatch: '*' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    const etag = `"${md5Hex('first')}"`;
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/write', Body: 'third', IfMatch: '"ffff"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/write', Body: 'third', IfMatch: etag }));
    expect(new TextDecoder().decode((await f.s3.getObject('objects', 'cond/write'))!.body)).toBe('third');
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/absent', Body: 'x', IfMatch: etag })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await f.s3.getObject('objects', 'cond/absent')).toBeUndefined();
  });

  it('If-Match on PUT and DELETE also needs s3:GetObject, as S3 requires', async () => {
    const { etag } = await f.s3.putObject('objects', 'cond/perm', 'x');
    const writer = f.client(f.session([allow(['s3:PutObject', 's3:DeleteObject'], 'arn:aws:s3:::objects/cond/*')]));
    expect(await failure(writer.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/perm', Body: 'y', IfMatch: etag })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(writer.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'cond/perm', IfMatch: etag })))).toMatchObject({ name: 'AccessDenied' });
    await writer.send(new PutObjectCommand({ Bucket: 'objects', Key: 'cond/perm-new', Body: 'y', IfNoneMatch: '*' }));
  });

  it('DeleteObject If-Match deletes only the expected object', async () => {
    const { etag } = await f.s3.putObject('objects', 'cond/delete', 'x');
    expect(await failure(admin.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'cond/delete', IfMatch: '"ffff"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412 });
    expect(await f.s3.getObject('objects', 'cond/delete')).toBeDefined();
    await admin.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'cond/delete', IfMatch: etag }));
    expect(await f.s3.getObject('objects', 'cond/delete')).toBeUndefined();
    expect(await failure(admin.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'cond/delete', IfMatch: etag })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    // Without a condition, deleting what is absent succeeds (204), as S3 does.
    await admin.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'cond/delete' }));
  });
});

describe('copies', () => {
  it('CopyObject keeps the metadata (COPY) or replaces it (REPLACE); the source must be readable', async () => {
    await f.s3.putObject('objects', 'copy/src', 'copied bytes', { contentType: 'text/plain', metadata: { a: '1' } });
    const copy = await admin.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'copy/dst', CopySource: 'objects/copy/src' }));
    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5Hex('copied bytes')}"`);
    expect(await f.s3.getObject('objects', 'copy/dst')).toMatchObject({ contentType: 'text/plain', metadata: { a: '1' } });
    await admin.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'copy/dst2', CopySource: 'objects/copy/src', MetadataDirective: 'REPLACE', ContentType: 'text/csv', Metadata: { b: '2' } }));
    expect(await f.s3.getObject('objects', 'copy/dst2')).toMatchObject({ contentType: 'text/csv', metadata: { b: '2' } });
    const writer = f.client(f.session([allow('s3:PutObject', 'arn:aws:s3:::objects/copy/*')]));
    expect(await failure(writer.send(new CopyObjectCommand({ Bucket: 'objects', Key: 'copy/dst3', CopySource: 'objects/secret/x.txt' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await f.s3.getObject('objects', 'copy/dst3')).toBeUndefined();
  });
});

describe('checksums', () => {
  it('verifies every flexible checksum algorithm on upload and returns the stored one with checksum mode', async () => {
    for (const algorithm of ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const) {
      const key = `sum/${algorithm}`;
      await admin.send(new PutObjectCommand({ Bucket: 'objects', Key: key, Body: `checked ${algorithm}`, ChecksumAlgorithm: algorithm }));
      const stored = await f.s3.getObject('objects', key);
      expect(stored?.checksum?.algorithm).toBe(algorithm);
      // The SDK validates the returned checksum against the body it receives.
      const got = await admin.send(new GetObjectCommand({ Bucket: 'objects', Key: key, ChecksumMode: 'ENABLED' }));
      expect(await text(got)).toBe(`checked ${algorithm}`);
    }
    const sha = createHash('sha256').update('right').digest('base64');
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sum/bad', Body: 'wrong', ChecksumSHA256: sha })))).toMatchObject({ name: 'BadDigest', status: 400 });
    expect(f.s3.refusals.at(-1)?.code).toBe('BadDigest');
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'objects', Key: 'sum/md5', Body: 'wrong', ContentMD5: createHash('md5').update('right').digest('base64') })))).toMatchObject({ name: 'BadDigest' });
    expect(await f.s3.getObject('objects', 'sum/bad')).toBeUndefined();
  });
});

describe('large bodies', () => {
  it('serves a 64 MiB object whole and by range from the stored bytes', async () => {
    const big = Buffer.alloc(64 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    await f.s3.putObject('objects', 'big/64m', big);
    const got = await admin.send(new GetObjectCommand({ Bucket: 'objects', Key: 'big/64m' }));
    const hash = createHash('sha256');
    let chunks = 0;
    for await (const chunk of got.Body as AsyncIterable<Uint8Array>) { hash.update(chunk); chunks++; }
    expect(hash.digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    // It arrived as a stream of many chunks, not one buffered message.
    expect(chunks).toBeGreaterThan(100);
    const tail = await admin.send(new GetObjectCommand({ Bucket: 'objects', Key: 'big/64m', Range: `bytes=${big.length - 4096}-` }));
    expect(Buffer.from(await tail.Body!.transformToByteArray()).equals(big.subarray(big.length - 4096))).toBe(true);
  }, 60_000);
});
