import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import type { ResourcePolicyDocument } from '../../src/testing/aws/iam-policy.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 16 on S3: SSE-KMS per integration (writes, multipart, presigned PUTs) against a bucket
 * policy that denies anything else, KMS permissions in the minted session policy checked by the
 * fake S3 the way S3 calls KMS; object options; response-content-* on GET URLs; abort and progress.
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/writer`;
const EXTERNAL_ID = 'ext-0123456789abcdef0123';
const KEY_ARN = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/99999999-12ab-34cd-56ef-1234567890ab`;
const MiB = 1024 * 1024;
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

let fakes: AwsFakes;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

const denyUnlessKey = (bucket: string): ResourcePolicyDocument => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Deny' as const, Principal: '*' as const, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' } } },
    { Effect: 'Deny' as const, Principal: '*' as const, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN } } },
    { Effect: 'Deny' as const, Principal: '*' as const, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*`, Condition: { Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'true' } } },
  ],
});

beforeAll(async () => {
  fakes = await startAwsFakes({
    // The customer's role may use S3 and KMS; the session policy assetlink mints narrows both.
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, permissions: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*', 'kms:*'], Resource: '*' }] } }],
    buckets: [{ name: 'secure', ownerAccountId: ACCOUNT, policy: denyUnlessKey('secure') }, { name: 'open', ownerAccountId: ACCOUNT }],
  });
  const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  resolver = createAssetResolver({
    requestTimeoutMs: 10_000,
    platform: { aws: { ...fakes.platform, multipartThresholdBytes: 5 * MiB } },
    onEvent: (e) => events.push(e),
    integrations: [
      { id: 'enc', provider: 'aws', mode: 'read-write', scope: { bucket: 'secure', prefix: 'out' }, auth, encryption: { kind: 'aws:kms', keyId: KEY_ARN } },
      { id: 'enc-ro', provider: 'aws', scope: { bucket: 'secure', prefix: 'in' }, auth, encryption: { kind: 'aws:kms', keyId: KEY_ARN } },
      { id: 'plain', provider: 'aws', mode: 'read-write', scope: { bucket: 'secure', prefix: 'plain' }, auth },
      { id: 'plain-ro', provider: 'aws', scope: { bucket: 'secure', prefix: 'in2' }, auth },
      { id: 'wrong-key', provider: 'aws', mode: 'read-write', scope: { bucket: 'secure', prefix: 'wrong' }, auth, encryption: { kind: 'aws:kms', keyId: OTHER_KEY } },
      { id: 'open', provider: 'aws', mode: 'read-write', scope: { bucket: 'open' }, auth },
    ],
  });
  await fakes.s3.putObject('secure', 'in/a.txt', 'secret-a', { sse: { algorithm: 'aws:kms', kmsKeyId: KEY_ARN } });
  await fakes.s3.putObject('secure', 'in2/a.txt', 'secret-b', { sse: { algorithm: 'aws:kms', kmsKeyId: KEY_ARN } });
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

describe('aws: SSE-KMS per integration', () => {
  it('writes (single PUT) with the integration key; the object is stored SSE-KMS under it', async () => {
    const asset = await resolver.resolveAsset('s3://secure/out/one.txt');
    await asset.write('hello');
    expect((await fakes.s3.getObject('secure', 'out/one.txt'))!.sse).toEqual({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN });
    expect(decode(await asset.bytes())).toBe('hello');
  });

  it('writes multipart (stream larger than a part) with the key on CreateMultipartUpload, and completes (kms:Decrypt)', async () => {
    const asset = await resolver.resolveAsset('s3://secure/out/big.bin');
    const chunk = new Uint8Array(MiB).fill(7);
    async function* body() { for (let i = 0; i < 11; i++) yield chunk; }
    const progress: number[] = [];
    await asset.write(body(), { onProgress: (n) => progress.push(n) });
    const stored = (await fakes.s3.getObject('secure', 'out/big.bin'))!;
    expect(stored.sse).toEqual({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN });
    expect(stored.partSizes).toEqual([5 * MiB, 5 * MiB, MiB]);
    expect(progress.at(-1)).toBe(11 * MiB);
    expect(progress.length).toBeGreaterThan(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    const kmsActions = fakes.s3.requests.filter((r) => r.key === 'out/big.bin').flatMap((r) => r.actions.filter((a) => a.startsWith('kms:')));
    expect(kmsActions).toContain('kms:GenerateDataKey');
    expect(kmsActions).toContain('kms:Decrypt');
  });

  it('mints session policies with exactly the KMS permissions the key needs', () => {
    const policyOf = (sessionPrefix: string) => fakes.sts.calls.map((c) => c.policy as { Statement: Array<{ Sid?: string; Action: string[]; Resource: string }> })
      .find((p) => JSON.stringify(p).includes(`secure/${sessionPrefix}/`))!;
    const rw = policyOf('out').Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')));
    expect(rw).toEqual([{ Sid: 'UseKmsKey', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Decrypt'], Resource: KEY_ARN }]);
  });

  it('read-only integrations get kms:Decrypt only, and read SSE-KMS objects; without the key configured reads are refused', async () => {
    const ro = await resolver.resolveAsset('s3://secure/in/a.txt');
    expect(decode(await ro.bytes())).toBe('secret-a');
    const policy = fakes.sts.calls.map((c) => c.policy as { Statement: Array<{ Action: string[]; Resource: string }> }).find((p) => JSON.stringify(p).includes('secure/in/'))!;
    expect(policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')))).toEqual([{ Sid: 'UseKmsKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: KEY_ARN }]);
    const noKey = await resolver.resolveAsset('s3://secure/in2/a.txt');
    expect(await codeOf(noKey.bytes())).toBe('ACCESS_DENIED');
  });

  it('without encryption, or with another key, the bucket policy refuses the write: ACCESS_DENIED, nothing stored', async () => {
    expect(await codeOf((await resolver.resolveAsset('s3://secure/plain/x.txt')).write('x'))).toBe('ACCESS_DENIED');
    expect(await codeOf((await resolver.resolveAsset('s3://secure/wrong/x.txt')).write('x'))).toBe('ACCESS_DENIED');
    expect(await fakes.s3.getObject('secure', 'plain/x.txt')).toBeUndefined();
    expect(await fakes.s3.getObject('secure', 'wrong/x.txt')).toBeUndefined();
  });

  it('presigned PUTs sign the SSE headers and list exactly what the uploader must send', async () => {
    const asset = await resolver.resolveAsset('s3://secure/out/browser.txt');
    const url = await asset.presign({ method: 'PUT', ttlSeconds: 300, contentType: 'text/plain' });
    expect(url.headers).toEqual({ 'content-type': 'text/plain', 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-aws-kms-key-id': KEY_ARN });
    expect(new URL(url.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id');
    // Without the headers the signature does not match; with them the upload is stored under the key.
    const bare = await fetch(url.url, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(bare.status).toBe(403);
    const ok = await fetch(url.url, { method: 'PUT', body: 'from browser', headers: url.headers });
    expect(ok.status).toBe(200);
    expect((await fakes.s3.getObject('secure', 'out/browser.txt'))!.sse).toEqual({ algorithm: 'aws:kms', kmsKeyId: KEY_ARN });
    // An integration without encryption presigns a PUT the bucket policy refuses.
    const plain = await (await resolver.resolveAsset('s3://secure/plain/browser.txt')).presign({ method: 'PUT', ttlSeconds: 300 });
    expect(plain.headers).toEqual({});
    const refused = await fetch(plain.url, { method: 'PUT', body: 'x' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('AccessDenied');
  });

  it('AES256 integrations send SSE-S3 and mint no KMS statement', async () => {
    const r = createAssetResolver({
      platform: { aws: fakes.platform },
      integrations: [{ id: 'aes', provider: 'aws', mode: 'read-write', scope: { bucket: 'open', prefix: 'aes' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID }, encryption: { kind: 'AES256' } }],
    });
    try {
      const before = fakes.sts.calls.length;
      const asset = await r.resolveAsset('s3://open/aes/x.txt');
      await asset.write('x');
      expect((await fakes.s3.getObject('open', 'aes/x.txt'))!.sse).toEqual({ algorithm: 'AES256' });
      expect(JSON.stringify(fakes.sts.calls.slice(before).map((c) => c.policy))).not.toContain('kms:');
      expect((await asset.presign({ method: 'PUT', ttlSeconds: 60 })).headers).toEqual({ 'x-amz-server-side-encryption': 'AES256' });
    } finally {
      await r.close();
    }
  });
});

describe('aws: encryption config validation', () => {
  const base = { id: 'bad', provider: 'aws' as const, mode: 'read-write' as const, scope: { bucket: 'open', region: 'us-east-1' }, auth: { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID } };
  it.each([
    [{ kind: 'aws:kms' }, 'encryption.keyId'],
    [{ kind: 'aws:kms', keyId: 'not-a-key' }, 'encryption.keyId'],
    [{ kind: 'aws:kms', keyId: 'alias/my-key' }, 'encryption.keyId'],
    [{ kind: 'aws:kms', keyId: 'arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab' }, 'encryption.keyId'],
    [{ kind: 'aws:kms', keyId: KEY_ARN, bucketKey: 'yes' }, 'encryption.bucketKey'],
    [{ kind: 'AES256', keyId: KEY_ARN }, 'encryption.keyId'],
    [{ kind: 'aws:kms:dsse', keyId: KEY_ARN }, 'encryption.kind'],
  ])('%j is INVALID_INTEGRATION naming %s and the integration', (encryption, field) => {
    try {
      createAssetResolver({ integrations: [{ ...base, encryption } as never] });
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'INVALID_INTEGRATION', field, integrationId: 'bad' });
    }
  });

  it('accepts an alias for auth kinds that mint no session policy', () => {
    expect(() => createAssetResolver({ integrations: [{ ...base, auth: { kind: 'cross-account' }, encryption: { kind: 'aws:kms', keyId: 'alias/my-key' } }] })).not.toThrow();
  });
});

describe('aws: object options and response overrides', () => {
  it('stores contentDisposition, cacheControl and metadata; head() returns them; events carry no metadata values', async () => {
    const asset = await resolver.resolveAsset('s3://open/opts/report.pdf');
    events.length = 0;
    await asset.write('pdf', { contentType: 'application/pdf', contentDisposition: 'attachment; filename="report.pdf"', cacheControl: 'max-age=60', metadata: { Source: 'pipeline-7', 'job_id': 'j-42' } });
    const stored = (await fakes.s3.getObject('open', 'opts/report.pdf'))!;
    expect(stored).toMatchObject({ contentDisposition: 'attachment; filename="report.pdf"', cacheControl: 'max-age=60', metadata: { source: 'pipeline-7', job_id: 'j-42' } });
    expect(await asset.head()).toMatchObject({ size: 3, contentType: 'application/pdf', contentDisposition: 'attachment; filename="report.pdf"', cacheControl: 'max-age=60', metadata: { source: 'pipeline-7', job_id: 'j-42' } });
    expect(JSON.stringify(events)).not.toContain('pipeline-7');
  });

  it('refuses invalid metadata before any request (INVALID_ARGUMENT), never echoing values', async () => {
    const asset = await resolver.resolveAsset('s3://open/opts/bad.txt');
    const before = fakes.s3.requests.length;
    expect(await codeOf(asset.write('x', { metadata: { 'bad name': 'v' } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(asset.write('x', { metadata: { ok: 'line\nbreak' } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(asset.write('x', { metadata: { big: 'v'.repeat(3000) } }))).toBe('INVALID_ARGUMENT');
    const error = await asset.write('x', { metadata: { a: 'sekrit\u0001' } }).catch((e: Error) => e);
    expect(String((error as Error).message)).not.toContain('sekrit');
    expect(fakes.s3.requests.length).toBe(before);
  });

  it('signs responseContentDisposition / responseContentType into GET URLs; S3 serves them', async () => {
    const asset = await resolver.resolveAsset('s3://open/opts/report.pdf');
    const url = await asset.presign({ ttlSeconds: 60, responseContentDisposition: 'attachment; filename="cat photo.jpg"', responseContentType: 'image/jpeg' });
    const res = await fetch(url.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="cat photo.jpg"');
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    // The overrides are signed: changing one breaks the signature.
    const tampered = new URL(url.url);
    tampered.searchParams.set('response-content-disposition', 'inline');
    expect((await fetch(tampered)).status).toBe(403);
    expect(await codeOf(asset.presign({ ttlSeconds: 60, method: 'PUT', responseContentType: 'x/y' }))).toBe('INVALID_ARGUMENT');
  });
});

describe('aws: abort and progress', () => {
  it('an already aborted signal fails with ABORTED before any request', async () => {
    const asset = await resolver.resolveAsset('s3://open/abort/none.txt');
    const before = fakes.s3.requests.length;
    const signal = AbortSignal.abort();
    expect(await codeOf(asset.write('x', { signal }))).toBe('ABORTED');
    expect(await codeOf(asset.head({ signal }))).toBe('ABORTED');
    expect(await codeOf(asset.bytes({ signal }))).toBe('ABORTED');
    expect(await codeOf(asset.read({ signal }))).toBe('ABORTED');
    expect(fakes.s3.requests.length).toBe(before);
  });

  it('aborting a multipart upload mid-way leaves no object and no incomplete multipart upload', async () => {
    const asset = await resolver.resolveAsset('s3://secure/out/aborted.bin');
    const controller = new AbortController();
    const chunk = new Uint8Array(MiB).fill(1);
    async function* body() {
      for (let i = 0; i < 6; i++) yield chunk;
      // Then the source stalls until the upload is aborted.
      await new Promise((resolve) => controller.signal.addEventListener('abort', resolve));
      throw new Error('source closed');
    }
    const write = asset.write(body(), { signal: controller.signal, onProgress: (n) => { if (n >= 5 * MiB) controller.abort(); } });
    expect(await codeOf(write)).toBe('ABORTED');
    expect(await fakes.s3.getObject('secure', 'out/aborted.bin')).toBeUndefined();
    expect(fakes.s3.listMultipartUploads('secure')).toEqual([]);
    expect(fakes.s3.requests.some((r) => r.operation === 'AbortMultipartUpload' && r.status === 204)).toBe(true);
  });

  it('aborting mid-read errors the stream with ABORTED', async () => {
    await fakes.s3.putObject('open', 'abort/big.bin', new Uint8Array(4 * MiB));
    const asset = await resolver.resolveAsset('s3://open/abort/big.bin');
    const controller = new AbortController();
    const stream = await asset.read({ signal: controller.signal });
    const reader = stream.getReader();
    await reader.read();
    controller.abort();
    const error = await (async () => { for (;;) { const { done } = await reader.read(); if (done) return undefined; } })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
  });
});
