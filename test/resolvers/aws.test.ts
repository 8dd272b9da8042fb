import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { AssetLinkError, createAssetResolver, parseAssetUri, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { codeOf } from '../helpers/failure.js';

/**
 * The aws driver end to end against the strict fake S3 (SigV4 + session policy enforced at the
 * server) and the fake STS. One clock is shared by resolver, STS and S3 so expiry is testable
 * without waiting.
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/scale-reader`;
const EXTERNAL_ID = 'ext-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);

let clock = Date.now();
let fakes: AwsFakes;
let resolver: AssetResolver;

beforeAll(async () => {
  fakes = await startAwsFakes({
    now: () => clock,
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, maxSessionDurationSeconds: 43_200 }],
    buckets: [
      { name: 'figure-eight', ownerAccountId: ACCOUNT },
      { name: 'eu-data', ownerAccountId: ACCOUNT, region: 'eu-west-1' },
    ],
  });
  const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  resolver = createAssetResolver({
    now: () => clock,
    requestTimeoutMs: 5_000,
    platform: { aws: { ...fakes.platform, multipartThresholdBytes: 5 * 1024 * 1024 } },
    integrations: [
      { id: 'f8-read', provider: 'aws', scope: { bucket: 'figure-eight', prefix: 'images' }, auth },
      { id: 'f8-write', provider: 'aws', mode: 'read-write', scope: { bucket: 'figure-eight', prefix: 'uploads' }, auth },
      { id: 'eu', provider: 'aws', mode: 'read-write', scope: { bucket: 'eu-data' }, auth },
    ],
  });
  await fakes.s3.putObject('figure-eight', 'images/cat.jpg', 'meow', { contentType: 'image/jpeg' });
  await fakes.s3.putObject('figure-eight', 'images/a b/ü+*.txt', 'unicode key');
  await fakes.s3.putObject('eu-data', 'report.csv', 'a,b\n1,2\n', { contentType: 'text/csv' });
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

describe('aws driver: reads', () => {
  it('reads s3:// and virtual-hosted URLs of the same object', async () => {
    const viaS3 = await resolver.resolveAsset('s3://figure-eight/images/cat.jpg');
    expect(viaS3.integrationId).toBe('f8-read');
    expect(decode(await viaS3.bytes())).toBe('meow');
    const viaHost = await resolver.resolveAsset('https://figure-eight.s3.us-east-1.amazonaws.com/images/cat.jpg');
    expect(viaHost.location.uri).toBe('s3://figure-eight/images/cat.jpg');
    expect(decode(await viaHost.bytes())).toBe('meow');
    expect(await viaHost.head()).toMatchObject({ size: 4, contentType: 'image/jpeg' });
  });

  it('reads keys with spaces, unicode and wildcard characters', async () => {
    const asset = await resolver.resolveAsset('s3://figure-eight/images/a b/ü+*.txt');
    expect(decode(await asset.bytes())).toBe('unicode key');
  });

  it('streams ranges without buffering the object', async () => {
    const asset = await resolver.resolveAsset('s3://figure-eight/images/cat.jpg');
    const stream = await asset.read({ range: { start: 1, end: 2 } });
    expect(stream).toBeInstanceOf(ReadableStream);
    expect(await new Response(stream).text()).toBe('eo');
  });

  it('refuses keys outside the prefix, segment-aware', async () => {
    expect(await codeOf(resolver.resolveAsset('s3://figure-eight/images-old/cat.jpg', 'f8-read'))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(resolver.resolveAsset('s3://figure-eight/secret/cat.jpg'))).toBe('NO_INTEGRATION');
  });
});

describe('aws driver: listing (for verification)', () => {
  it('lists under the prefix; the session policy refuses listing elsewhere', async () => {
    const driver = await resolver.driver('aws');
    const integration = resolver.integration('f8-read');
    const listed = await driver.list!({ integration, location: parseAssetUri('s3://figure-eight/images/') }, 10);
    expect(listed.keys).toContain('images/cat.jpg');
    expect(listed.truncated).toBe(false);
    const outside = driver.list!({ integration, location: parseAssetUri('s3://figure-eight/uploads/') }, 10);
    expect(await codeOf(outside)).toBe('ACCESS_DENIED');
  });
});

describe('aws driver: writes', () => {
  it('refuses writes on read-only integrations before any request, and the credentials could not write anyway', async () => {
    const asset = await resolver.resolveAsset('s3://figure-eight/images/cat.jpg');
    const before = fakes.s3.requests.length;
    expect(await codeOf(asset.write('dog'))).toBe('READ_ONLY');
    expect(await codeOf(resolver.presign('s3://figure-eight/images/cat.jpg', 60, { method: 'PUT' }))).toBe('READ_ONLY');
    expect(fakes.s3.requests.length).toBe(before);
    expect(decode((await fakes.s3.getObject('figure-eight', 'images/cat.jpg'))!.body)).toBe('meow');
  });

  it('writes bytes, strings and streams, and deletes', async () => {
    const asset = await resolver.resolveAsset('s3://figure-eight/uploads/a.txt');
    await asset.write('hello', { contentType: 'text/plain' });
    expect(await fakes.s3.getObject('figure-eight', 'uploads/a.txt')).toMatchObject({ contentType: 'text/plain' });
    await asset.write(new ReadableStream<Uint8Array>({ start(c) { c.enqueue(text('str')); c.enqueue(text('eam')); c.close(); } }));
    expect(decode(await asset.bytes())).toBe('stream');
    await asset.delete();
    expect(await fakes.s3.getObject('figure-eight', 'uploads/a.txt')).toBeUndefined();
    expect(await codeOf(asset.head())).toBe('NOT_FOUND');
  });

  it('uses multipart upload above the threshold, for bytes and for streams', async () => {
    const big = new Uint8Array(11 * 1024 * 1024).map((_, i) => (i * 7) % 253);
    const before = fakes.s3.requests.length;
    const asset = await resolver.resolveAsset('s3://figure-eight/uploads/big.bin');
    await asset.write(big, { contentType: 'application/octet-stream' });
    const parts = fakes.s3.requests.slice(before).filter((r) => r.method === 'PUT' && r.actions.includes('s3:PutObject'));
    expect(parts.length).toBe(3);
    expect(Buffer.from((await fakes.s3.getObject('figure-eight', 'uploads/big.bin'))!.body).equals(Buffer.from(big))).toBe(true);

    let offset = 0;
    const chunk = 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= big.length) { controller.close(); return; }
        controller.enqueue(big.slice(offset, offset + chunk));
        offset += chunk;
      },
    });
    const streamed = await resolver.resolveAsset('s3://figure-eight/uploads/big-stream.bin');
    await streamed.write(stream);
    expect(Buffer.from((await fakes.s3.getObject('figure-eight', 'uploads/big-stream.bin'))!.body).equals(Buffer.from(big))).toBe(true);
  });
});

describe('aws driver: presigned URLs', () => {
  it('a presigned GET fetched with fetch returns the bytes', async () => {
    const url = await resolver.presign('s3://figure-eight/images/cat.jpg', 300);
    expect(url.method).toBe('GET');
    expect(url.expiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 300_000);
    const response = await fetch(url.url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('meow');
  });

  it('a tampered signature, key or expiry gets 403', async () => {
    const { url } = await resolver.presign('s3://figure-eight/images/cat.jpg', 300);
    const flipped = url.replace(/(X-Amz-Signature=)([0-9a-f])/, (_m, p: string, c: string) => `${p}${c === 'a' ? 'b' : 'a'}`);
    expect((await fetch(flipped)).status).toBe(403);
    expect((await fetch(url.replace('X-Amz-Expires=300', 'X-Amz-Expires=3000'))).status).toBe(403);
    expect((await fetch(url.replace('images/cat.jpg', 'images/dog.jpg'))).status).toBe(403);
  });

  it('an expired URL gets 403', async () => {
    const { url } = await resolver.presign('s3://figure-eight/images/cat.jpg', 60);
    expect((await fetch(url)).status).toBe(200);
    const saved = clock;
    clock += 61_000;
    try {
      expect((await fetch(url)).status).toBe(403);
    } finally { clock = saved; }
  });

  it('a PUT URL uploads with the bound Content-Type, and refuses another one', async () => {
    const url = await resolver.presign('s3://figure-eight/uploads/put.json', 300, { method: 'PUT', contentType: 'application/json' });
    expect(url.headers).toEqual({ 'content-type': 'application/json' });
    expect(url.url).toContain('X-Amz-SignedHeaders=content-type%3Bhost');
    const wrongType = await fetch(url.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: '<script>' });
    expect(wrongType.status).toBe(403);
    const ok = await fetch(url.url, { method: 'PUT', headers: url.headers, body: '{"ok":true}' });
    expect(ok.status).toBe(200);
    expect(await fakes.s3.getObject('figure-eight', 'uploads/put.json')).toMatchObject({ contentType: 'application/json' });
    // A GET URL cannot be used to PUT.
    const get = await resolver.presign('s3://figure-eight/uploads/put.json', 300);
    expect((await fetch(get.url, { method: 'PUT', body: 'x' })).status).toBe(403);
  });

  it('never outlives the credentials: INVALID_TTL unless clamp, and expiresAt tells the truth', async () => {
    const uri = 's3://figure-eight/images/cat.jpg';
    expect(await codeOf(resolver.presign(uri, 7 * 24 * 3600))).toBe('INVALID_TTL');
    const clamped = await resolver.presign(uri, 7 * 24 * 3600, { clamp: true });
    const call = fakes.sts.calls.filter((c) => c.roleSessionName === 'assetlink-f8-read' && c.outcome === 'issued').at(-1)!;
    expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(call.expiration!.getTime());
    expect(clamped.expiresAt.getTime()).toBeGreaterThan(clock + 3000_000);
    expect((await fetch(clamped.url)).status).toBe(200);
  });
});

describe('aws driver: regions', () => {
  it('discovers a bucket region once (HeadBucket) and signs for it', async () => {
    const before = fakes.s3.requests.length;
    const assets = await Promise.all([1, 2, 3].map(() => resolver.resolveAsset('s3://eu-data/report.csv')));
    const texts = await Promise.all(assets.map(async (a) => decode(await a.bytes())));
    expect(texts).toEqual(['a,b\n1,2\n', 'a,b\n1,2\n', 'a,b\n1,2\n']);
    const bucketHeads = fakes.s3.requests.slice(before).filter((r) => r.method === 'HEAD' && r.key === undefined);
    expect(bucketHeads.length).toBe(1);
    const url = await resolver.presign('s3://eu-data/report.csv', 60);
    expect(url.url).toContain('%2Feu-west-1%2Fs3%2Faws4_request');
    expect(await (await fetch(url.url)).text()).toBe('a,b\n1,2\n');
  });

  it('falls back to GetBucketLocation on servers that send no x-amz-bucket-region', async () => {
    const quiet = await startAwsFakes({
      now: () => clock, bucketRegionHeader: false,
      roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }],
      buckets: [{ name: 'quiet-eu', region: 'eu-central-1', ownerAccountId: ACCOUNT }],
    });
    const r = createAssetResolver({
      now: () => clock, platform: { aws: quiet.platform },
      integrations: [{ id: 'quiet', provider: 'aws', scope: { bucket: 'quiet-eu', prefix: 'data' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } }],
    });
    try {
      await quiet.s3.putObject('quiet-eu', 'data/x.txt', 'quiet');
      expect(new TextDecoder().decode(await (await r.resolveAsset('s3://quiet-eu/data/x.txt')).bytes())).toBe('quiet');
      expect(quiet.s3.requests.map((q) => `${q.method} ${q.actions.join(',')} ${q.status}`)).toEqual([
        'HEAD  301', 'GET s3:GetBucketLocation 200', 'GET s3:GetObject 200',
      ]);
    } finally { await r.close(); await quiet.close(); }
  });

  it('follows a wrong-region redirect once when the URL names the wrong region', async () => {
    const r = createAssetResolver({
      now: () => clock,
      platform: { aws: fakes.platform },
      integrations: [{ id: 'eu-2', provider: 'aws', scope: { bucket: 'eu-data' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } }],
    });
    try {
      const before = fakes.s3.requests.length;
      const asset = await r.resolveAsset('https://eu-data.s3.us-west-2.amazonaws.com/report.csv');
      expect(asset.location.region).toBe('us-west-2');
      expect(await asset.head()).toMatchObject({ size: 8 });
      const seen = fakes.s3.requests.slice(before);
      expect(seen.map((q) => q.status)).toEqual([301, 200]);
      // Remembered: the next call goes straight to eu-west-1.
      await asset.head();
      expect(fakes.s3.requests.slice(before).map((q) => q.status)).toEqual([301, 200, 200]);
    } finally { await r.close(); }
  });
});

describe('aws driver: S3 faults', () => {
  it('5xx and SlowDown are retried by the SDK, then a retryable PROVIDER_ERROR', async () => {
    const asset = await resolver.resolveAsset('s3://figure-eight/images/cat.jpg');
    await asset.head();
    fakes.s3.injectFault({ type: 'slow-down' });
    expect(await asset.head()).toMatchObject({ size: 4 });
    fakes.s3.injectFault({ type: 'server-error' }, 10);
    try {
      const error = await asset.bytes().catch((e: unknown) => e as AssetLinkError);
      expect(error).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, integrationId: 'f8-read' });
    } finally { fakes.s3.clearFaults(); }
  });

  it('a silent S3 ends in TIMEOUT (requestTimeoutMs), not a hang', async () => {
    const r = createAssetResolver({
      now: () => clock, requestTimeoutMs: 200, platform: { aws: fakes.platform },
      integrations: [{ id: 'silent', provider: 'aws', scope: { bucket: 'figure-eight', prefix: 'images', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } }],
    });
    try {
      const asset = await r.resolveAsset('s3://figure-eight/images/cat.jpg');
      fakes.s3.injectFault({ type: 'hang' }, 3);
      expect(await codeOf(asset.head())).toBe('TIMEOUT');
    } finally { fakes.s3.clearFaults(); await r.close(); }
  });
});

describe('aws driver: credentials at the server', () => {
  it("a read-only integration's minted credentials cannot write, even used directly with the SDK", async () => {
    const asset = await resolver.resolveAsset('s3://figure-eight/images/cat.jpg');
    await asset.head();
    const call = fakes.sts.calls.filter((c) => c.roleSessionName === 'assetlink-f8-read' && c.outcome === 'issued').at(-1)!;
    const key = fakes.keyring.get(call.issuedAccessKeyId!)!;
    const raw = new S3Client({
      region: 'us-east-1', endpoint: fakes.s3.endpoint, forcePathStyle: true, maxAttempts: 1,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken! },
    });
    try {
      const got = await raw.send(new GetObjectCommand({ Bucket: 'figure-eight', Key: 'images/cat.jpg' }));
      expect(await got.Body!.transformToString()).toBe('meow');
      await expect(raw.send(new PutObjectCommand({ Bucket: 'figure-eight', Key: 'images/evil.jpg', Body: 'x' })))
        .rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      await expect(raw.send(new GetObjectCommand({ Bucket: 'figure-eight', Key: 'uploads/put.json' })))
        .rejects.toMatchObject({ name: 'AccessDenied' });
      expect(await fakes.s3.getObject('figure-eight', 'images/evil.jpg')).toBeUndefined();
    } finally { raw.destroy(); }
  });

  it('re-mints credentials once when S3 says they expired', async () => {
    // STS and S3 run 2 h ahead of the resolver's clock: the cached session looks fresh to
    // assetlink, but S3 calls it expired.
    let serverClock = Date.now();
    const skewed = await startAwsFakes({ now: () => serverClock, roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: 'skew-bucket', ownerAccountId: ACCOUNT }] });
    const r = createAssetResolver({
      platform: { aws: skewed.platform },
      integrations: [{ id: 'skew', provider: 'aws', scope: { bucket: 'skew-bucket', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } }],
    });
    try {
      await skewed.s3.putObject('skew-bucket', 'k.txt', 'v');
      const asset = await r.resolveAsset('s3://skew-bucket/k.txt');
      expect(await asset.head()).toMatchObject({ size: 1 });
      serverClock += 2 * 3600_000;
      expect(await asset.head()).toMatchObject({ size: 1 });
      expect(skewed.sts.issuedCount).toBe(2);
      expect(skewed.s3.refusals.map((q) => q.code)).toEqual(['ExpiredToken']);
    } finally {
      await r.close();
      await skewed.close();
    }
  });
});
