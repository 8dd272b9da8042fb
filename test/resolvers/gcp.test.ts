import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type AssetResolver } from '../../src/index.js';
import type { AssetLinkEvent } from '../../src/events.js';
import { SCOPES } from '../../src/testing/gcp/index.js';
import { BUCKET, PLATFORM, PLATFORM_TOKEN, READER, startGcpWorld, WRITER, type GcpWorld } from './gcp-fixture.js';

let world: GcpWorld;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

beforeAll(async () => {
  world = await startGcpWorld();
});
afterAll(async () => { await world.close(); });
beforeEach(() => {
  // A fresh resolver = a cold credential cache.
  resolver = world.resolver({ onEvent: (e) => events.push(e) });
  events.length = 0;
  world.fake.iam.reset();
  world.fake.sts.reset();
  world.fake.gcs.requests.length = 0;
});

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

const seed = (key: string, body: string, contentType = 'text/plain'): void => { world.fake.gcs.putObject(BUCKET, key, body, { contentType }); };

describe('gcp impersonation', () => {
  it('mints a devstorage.read_only token for a read-only integration, downscoped to its prefix', async () => {
    seed('datasets/cat.jpg', 'meow');
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/datasets/cat.jpg`);
    expect(new TextDecoder().decode(await asset.bytes())).toBe('meow');

    const [call] = world.fake.iam.calls;
    expect(world.fake.iam.count('generateAccessToken')).toBe(1);
    expect(call).toMatchObject({ caller: PLATFORM, serviceAccount: READER, scope: [SCOPES.storageReadOnly], delegates: [] });
    const [sts] = world.fake.sts.calls;
    expect(sts?.rules).toEqual([{
      availableResource: `//storage.googleapis.com/projects/_/buckets/${BUCKET}`,
      availablePermissions: ['inRole:roles/storage.objectViewer'],
      availabilityCondition: {
        title: `assetlink: ${BUCKET}/datasets/`,
        expression: `resource.name.startsWith('projects/_/buckets/${BUCKET}/objects/datasets/') || api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('datasets/')`,
      },
    }]);
    // Every request to GCS carried the downscoped token, not the broader impersonated one.
    const sent = world.fake.gcs.requests.filter((r) => !r.signedUrl);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.authorized && r.principal === READER)).toBe(true);
  });

  it('read-only is enforced three times: by assetlink, by the token scope, and by the access boundary', async () => {
    seed('datasets/keep.txt', 'original');
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/datasets/keep.txt`);
    await asset.head();
    expect((await failure(asset.write('overwritten'))).code).toBe('READ_ONLY');
    expect(events.some((e) => e.type === 'write.refused')).toBe(true);

    const iamToken = world.fake.iam.calls[0]!.issuedToken!;
    const cabToken = world.fake.sts.calls[0]!.issuedToken!;
    expect(world.fake.directory.inspectToken(iamToken)?.scopes).toEqual([SCOPES.storageReadOnly]);
    for (const token of [iamToken, cabToken]) {
      const raw = await fetch(`${world.fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=datasets/keep.txt`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'overwritten',
      });
      expect(raw.status).toBe(403);
    }
    expect(world.fake.gcs.getObject(BUCKET, 'datasets/keep.txt')?.data.toString()).toBe('original');
  });

  it('the downscoped token cannot leave the integration prefix even if asked directly', async () => {
    seed('datasets/a.txt', 'a');
    seed('private/salaries.csv', 'no');
    await (await resolver.resolveAsset(`gs://${BUCKET}/datasets/a.txt`)).head();
    const cabToken = world.fake.sts.calls[0]!.issuedToken!;
    const outside = await fetch(`${world.fake.gcs.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent('private/salaries.csv')}?alt=media`, {
      headers: { authorization: `Bearer ${cabToken}` },
    });
    expect(outside.status).toBe(403);
  });

  it('1000 concurrent cold resolves make exactly one generateAccessToken (and one STS) call', async () => {
    seed('datasets/popular.jpg', 'popular');
    // 1000 sockets opened at once to an in-process server on a 2-core CI box: a connection reset
    // is a transport hiccup, not what this test is about (one mint). A head that fails with a
    // retryable error is asked once more, which reuses the cached token and so keeps the counts exact.
    const headOnce = async () => (await resolver.resolveAsset(`gs://${BUCKET}/datasets/popular.jpg`)).head();
    const heads = await Promise.all(Array.from({ length: 1000 }, () => headOnce().catch((error: { retryable?: boolean }) => {
      if (error.retryable !== true) throw error;
      return headOnce();
    })));
    expect(heads.every((h) => h.size === 7)).toBe(true);
    expect(world.fake.iam.count('generateAccessToken')).toBe(1);
    expect(world.fake.iam.calls).toHaveLength(1);
    expect(world.fake.sts.count()).toBe(1);
    expect(events.filter((e) => e.type === 'credentials.minted')).toHaveLength(1);
  });

  it('caches per (integration, scope): read-only and read-write integrations get separate tokens', async () => {
    seed('datasets/x', 'x');
    seed('labels/y', 'y');
    await (await resolver.resolveAsset(`gs://${BUCKET}/datasets/x`)).head();
    await (await resolver.resolveAsset(`gs://${BUCKET}/labels/y`)).head();
    await (await resolver.resolveAsset(`gs://${BUCKET}/datasets/x`)).head();
    const scopes = world.fake.iam.calls.map((c) => [c.serviceAccount, c.scope]);
    expect(scopes).toEqual([[READER, [SCOPES.storageReadOnly]], [WRITER, [SCOPES.storageReadWrite]]]);
  });

  it('writes back on a read-write integration with a read_write token and an object-admin boundary', async () => {
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/labels/cat.json`);
    await asset.write('{"label":"cat"}', { contentType: 'application/json' });
    expect(world.fake.gcs.getObject(BUCKET, 'labels/cat.json')).toMatchObject({ contentType: 'application/json' });
    expect(world.fake.iam.calls[0]).toMatchObject({ serviceAccount: WRITER, scope: [SCOPES.storageReadWrite] });
    expect(world.fake.sts.calls[0]?.rules?.[0]?.availablePermissions).toEqual(['inRole:roles/storage.objectAdmin']);
    expect(world.fake.gcs.requests.find((r) => r.method === 'POST')?.uploadType).toBe('multipart');
  });

  it('goes through delegates, and names the chain at the fake IAM', async () => {
    const hop = 'assetlink-hop@platform-project.iam.gserviceaccount.com';
    const target = 'assetlink-chained@customer-project.iam.gserviceaccount.com';
    world.fake.directory.addServiceAccount(hop);
    world.fake.directory.addServiceAccount(target);
    world.fake.directory.grantTokenCreator(PLATFORM, hop);
    world.fake.gcs.createBucket('chained-bucket', { iam: { [target]: 'roles/storage.objectViewer' } });
    world.fake.gcs.putObject('chained-bucket', 'k.txt', 'chained');
    const integration = { id: 'chained', provider: 'gcp' as const, scope: { bucket: 'chained-bucket' }, auth: { kind: 'impersonation' as const, serviceAccount: target, delegates: [hop] } };
    resolver.addIntegration(integration);
    // The hop may not impersonate the target yet: IAM denial is ACCESS_DENIED, not retried.
    const denied = await failure((await resolver.resolveAsset('gs://chained-bucket/k.txt')).head());
    expect(denied.code).toBe('ACCESS_DENIED');
    expect(denied.retryable).toBe(false);
    expect(world.fake.iam.calls).toHaveLength(1);
    world.fake.directory.grantTokenCreator(hop, target);
    expect(new TextDecoder().decode(await (await resolver.resolveAsset('gs://chained-bucket/k.txt')).bytes())).toBe('chained');
    expect(world.fake.iam.calls.at(-1)).toMatchObject({ caller: PLATFORM, serviceAccount: target, delegates: [hop], status: 200 });
  });

  it('IAM throttling is retried by the cache; IAM unreachable is a retryable CREDENTIALS_UNAVAILABLE', async () => {
    seed('datasets/t.txt', 't');
    world.fake.iam.injectFault({ status: 429, times: 1 });
    expect((await (await resolver.resolveAsset(`gs://${BUCKET}/datasets/t.txt`)).head()).size).toBe(1);
    expect(world.fake.iam.count('generateAccessToken')).toBe(1);

    const unreachable = createAssetResolver({
      integrations: [world.readOnly],
      platform: { gcp: { ...world.platform.gcp, iamEndpoint: 'http://127.0.0.1:9' } },
      cache: { refreshBeforeExpirySeconds: 60 },
    });
    try {
      const error = await failure((await unreachable.resolveAsset(`gs://${BUCKET}/datasets/t.txt`)).head());
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.retryable).toBe(true);
    } finally {
      await unreachable.close();
    }
  });

  it('without a Credential Access Boundary there is no STS call (opt-out)', async () => {
    const plain = createAssetResolver({ integrations: [world.readOnly], platform: { gcp: { ...world.platform.gcp, credentialAccessBoundary: false } } });
    try {
      seed('datasets/plain.txt', 'plain');
      expect((await (await plain.resolveAsset(`gs://${BUCKET}/datasets/plain.txt`)).head()).size).toBe(5);
      expect(world.fake.sts.calls).toHaveLength(0);
    } finally {
      await plain.close();
    }
  });

  it('a token GCS stops accepting is dropped: the next call mints a new one', async () => {
    seed('datasets/r.txt', 'r');
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/datasets/r.txt`);
    await asset.head();
    world.fake.directory.revokeToken(world.fake.sts.calls[0]!.issuedToken!);
    const error = await failure(asset.head());
    expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect((await asset.head()).size).toBe(1);
    expect(world.fake.iam.count('generateAccessToken')).toBe(2);
  });
});

describe('gcp storage operations', () => {
  it('accepts every gcp URL form for the same object', async () => {
    seed('datasets/forms/a b.txt', 'forms');
    for (const uri of [
      `gs://${BUCKET}/datasets/forms/a b.txt`,
      `https://storage.googleapis.com/${BUCKET}/datasets/forms/a%20b.txt`,
      `https://${BUCKET}.storage.googleapis.com/datasets/forms/a%20b.txt`,
      `https://storage.cloud.google.com/${BUCKET}/datasets/forms/a%20b.txt`,
    ]) {
      const asset = await resolver.resolveAsset(uri);
      expect(asset.integrationId).toBe(world.readOnly.id);
      expect(new TextDecoder().decode(await asset.bytes())).toBe('forms');
    }
  });

  it('maps errors: 404 NOT_FOUND, 403 ACCESS_DENIED, 5xx retryable PROVIDER_ERROR', async () => {
    const missing = await resolver.resolveAsset(`gs://${BUCKET}/datasets/nope.txt`);
    expect((await failure(missing.head())).code).toBe('NOT_FOUND');
    expect((await failure(missing.read())).code).toBe('NOT_FOUND');

    world.fake.gcs.createBucket('locked-bucket', { iam: {} });
    resolver.addIntegration({ id: 'locked', provider: 'gcp', scope: { bucket: 'locked-bucket' }, auth: { kind: 'impersonation', serviceAccount: READER } });
    const locked = await failure((await resolver.resolveAsset('gs://locked-bucket/x.txt')).head());
    expect(locked.code).toBe('ACCESS_DENIED');
    expect(locked.message).toContain('storage.objects.get');

    seed('datasets/flaky.txt', 'flaky');
    const flaky = await resolver.resolveAsset(`gs://${BUCKET}/datasets/flaky.txt`);
    await flaky.head();
    world.fake.gcs.injectFault({ status: 503, pathIncludes: 'flaky' });
    const unavailable = await failure(flaky.head());
    expect(unavailable.code).toBe('PROVIDER_ERROR');
    expect(unavailable.retryable).toBe(true);
    world.fake.gcs.injectFault({ status: 429, pathIncludes: 'flaky' });
    expect((await failure(flaky.bytes())).retryable).toBe(true);
  });

  it('streams reads as web streams, with ranges', async () => {
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 256));
    world.fake.gcs.putObject(BUCKET, 'datasets/stream.bin', data);
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/datasets/stream.bin`);
    const stream = await asset.read();
    expect(stream).toBeInstanceOf(ReadableStream);
    let chunks = 0;
    let total = 0;
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) { chunks++; total += chunk.byteLength; }
    expect(total).toBe(data.length);
    expect(chunks).toBeGreaterThan(1);
    const range = new Uint8Array(await new Response(await asset.read({ range: { start: 1000, end: 1009 } })).arrayBuffer());
    expect(Buffer.from(range).equals(data.subarray(1000, 1010))).toBe(true);
    expect((await failure(asset.read({ range: { start: 400_000 } }))).code).toBe('INVALID_ARGUMENT');
  });

  it('uploads streams above the threshold resumably, with auth on every request', async () => {
    const big = createAssetResolver({
      integrations: [world.readWrite],
      platform: { gcp: { ...world.platform.gcp, resumableThresholdBytes: 300 * 1024, resumableChunkBytes: 256 * 1024 } },
    });
    try {
      const data = Buffer.from(Array.from({ length: 700 * 1024 }, (_, i) => (i * 7) % 256));
      const asset = await big.resolveAsset(`gs://${BUCKET}/labels/big.bin`);
      let offset = 0;
      await asset.write(new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= data.length) { controller.close(); return; }
          controller.enqueue(data.subarray(offset, offset + 50_000));
          offset += 50_000;
        },
      }), { contentType: 'application/x-big' });
      const stored = world.fake.gcs.getObject(BUCKET, 'labels/big.bin')!;
      expect(stored.data.equals(data)).toBe(true);
      expect(stored.contentType).toBe('application/x-big');
      const uploads = world.fake.gcs.requests.filter((r) => r.path.startsWith('/upload/'));
      expect(uploads.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 200', 'PUT 308', 'PUT 308', 'PUT 200']);
      expect(uploads.every((r) => r.authorized && r.principal === WRITER)).toBe(true);

      // Small bodies (bytes or short streams) stay single-request multipart uploads.
      world.fake.gcs.requests.length = 0;
      await asset.write(new Uint8Array(1000));
      expect(world.fake.gcs.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.uploadType)).toEqual(['multipart']);
      // Exactly at the threshold: resumable, one final chunk.
      world.fake.gcs.requests.length = 0;
      await asset.write(new Uint8Array(300 * 1024));
      expect(world.fake.gcs.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.method)).toEqual(['POST', 'PUT', 'PUT']);
      expect(world.fake.gcs.getObject(BUCKET, 'labels/big.bin')?.data.length).toBe(300 * 1024);
    } finally {
      await big.close();
    }
  });

  it('deletes (idempotently) and lists within scope', async () => {
    seed('labels/list/one.txt', '1');
    seed('labels/list/two.txt', '2');
    const asset = await resolver.resolveAsset(`gs://${BUCKET}/labels/list/one.txt`);
    await asset.delete();
    await asset.delete();
    expect(world.fake.gcs.getObject(BUCKET, 'labels/list/one.txt')).toBeUndefined();
    const driver = await resolver.driver('gcp');
    const listed = await driver.list!({ integration: resolver.integration(world.readWrite.id), location: { provider: 'gcp', bucket: BUCKET, key: 'labels/list/', uri: `gs://${BUCKET}/labels/list/` } }, 10);
    expect(listed).toEqual({ keys: ['labels/list/two.txt'], truncated: false });
  });
});

describe('gcp presigned URLs', () => {
  it('impersonated GET URLs are signed by signBlob as the service account, one call per URL, and expiresAt is honest', async () => {
    seed('datasets/signed.txt', 'signed by IAM');
    const before = Date.now();
    const url = await resolver.presign(`gs://${BUCKET}/datasets/signed.txt`, 900);
    expect(world.fake.iam.count('signBlob')).toBe(1);
    expect(world.fake.iam.calls[0]).toMatchObject({ caller: PLATFORM, serviceAccount: READER });
    const q = new URL(url.url).searchParams;
    expect(q.get('X-Goog-Credential')?.startsWith(`${READER}/`)).toBe(true);
    const date = q.get('X-Goog-Date')!;
    const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    expect(url.expiresAt.getTime()).toBe(signedAt + Number(q.get('X-Goog-Expires')) * 1000);
    expect(url.expiresAt.getTime()).toBeGreaterThan(before + 899_000 - 1000);
    expect(await (await fetch(url.url)).text()).toBe('signed by IAM');
  });

  it('PUT URLs bind Content-Type and round-trip through the fake', async () => {
    const url = await resolver.presign(`gs://${BUCKET}/labels/upload.csv`, 300, { method: 'PUT', contentType: 'text/csv' });
    expect(url.headers).toEqual({ 'Content-Type': 'text/csv' });
    expect(new URL(url.url).searchParams.get('X-Goog-SignedHeaders')).toBe('content-type;host');
    expect((await fetch(url.url, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: 'a,b' })).status).toBe(403);
    expect((await fetch(url.url, { method: 'PUT', headers: url.headers, body: 'a,b' })).status).toBe(200);
    expect(world.fake.gcs.getObject(BUCKET, 'labels/upload.csv')).toMatchObject({ contentType: 'text/csv' });
    expect(world.fake.iam.calls.find((c) => c.method === 'signBlob')?.serviceAccount).toBe(WRITER);
  });

  it('IAM denial while signing is ACCESS_DENIED', async () => {
    world.fake.directory.revokeTokenCreator(PLATFORM, READER);
    try {
      expect((await failure(resolver.presign(`gs://${BUCKET}/datasets/any.txt`, 60))).code).toBe('ACCESS_DENIED');
    } finally {
      world.fake.directory.grantTokenCreator(PLATFORM, READER);
    }
  });
});

describe('gcp secrets stay secret', () => {
  it('never prints the platform token or minted tokens in errors, JSON, inspect or events', async () => {
    seed('datasets/s.txt', 's');
    await (await resolver.resolveAsset(`gs://${BUCKET}/datasets/s.txt`)).head();
    world.fake.gcs.createBucket('secret-locked', { iam: {} });
    resolver.addIntegration({ id: 'secret-locked', provider: 'gcp', scope: { bucket: 'secret-locked' }, auth: { kind: 'impersonation', serviceAccount: READER } });
    const errors = [
      await failure((await resolver.resolveAsset('gs://secret-locked/x')).head()),
      await failure((await resolver.resolveAsset(`gs://${BUCKET}/datasets/none`)).bytes()),
    ];
    world.fake.directory.revokeTokenCreator(PLATFORM, WRITER);
    errors.push(await failure((await resolver.resolveAsset(`gs://${BUCKET}/labels/z`)).head()));
    world.fake.directory.grantTokenCreator(PLATFORM, WRITER);
    const secrets = [PLATFORM_TOKEN, ...world.fake.iam.calls.flatMap((c) => (c.issuedToken ? [c.issuedToken] : [])), ...world.fake.sts.calls.flatMap((c) => (c.issuedToken ? [c.issuedToken] : []))];
    expect(secrets.length).toBeGreaterThan(2);
    const printed = [
      ...errors.flatMap((e) => [e.message, JSON.stringify(e), inspect(e, { depth: 5 }), String(e.stack), inspect(e.cause, { depth: 5 })]),
      JSON.stringify(events), inspect(events, { depth: 5 }), JSON.stringify(resolver), inspect(resolver, { depth: 5 }),
    ].join('\n');
    for (const secret of secrets) expect(printed).not.toContain(secret);
  });
});

describe('gcp verification', () => {
  const statuses = (report: { checks: Array<{ name: string; status: string }> }): Record<string, string> =>
    Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

  it('read-only: credentials, list, sample read pass, and the minted token is proven unable to write', async () => {
    seed('datasets/sample.jpg', 'sample');
    const report = await resolver.verify(world.readOnly.id, { sampleUri: `gs://${BUCKET}/datasets/sample.jpg` });
    expect(statuses(report)).toMatchObject({ credentials: 'pass', list: 'pass', 'sample-read': 'pass', 'read-only-enforced': 'pass' });
    expect(report.status).toBe('active');
    expect(report.checks.find((c) => c.name === 'credentials')?.detail).toContain(`impersonating ${READER}, scope devstorage.read_only, access boundary gs://${BUCKET}/datasets/`);
    expect(world.fake.gcs.listObjects(BUCKET).some((k) => k.includes('.assetlink'))).toBe(false);
  });

  it('read-write: the write probe creates, reads back and deletes', async () => {
    const report = await resolver.verify(world.readWrite.id);
    expect(statuses(report)).toMatchObject({ credentials: 'pass', list: 'pass', 'write-probe': 'pass' });
    expect(world.fake.gcs.listObjects(BUCKET).some((k) => k.includes('.assetlink'))).toBe(false);
  });

  it('a read-only integration over a service account that may write still cannot: the minted scope refuses it', async () => {
    resolver.addIntegration({ ...world.readOnly, id: 'ro-but-writer', scope: { bucket: BUCKET, prefix: 'labels' }, auth: { kind: 'impersonation', serviceAccount: WRITER } } as typeof world.readOnly);
    // The customer over-granted (Object User), yet the devstorage.read_only token and the viewer
    // boundary assetlink mints still refuse the write: that is the point of minting them.
    expect(statuses(await resolver.verify('ro-but-writer'))['read-only-enforced']).toBe('pass');
    expect(world.fake.iam.calls.find((c) => c.serviceAccount === WRITER)?.scope).toEqual([SCOPES.storageReadOnly]);
  });

  it('CORS needs storage.buckets.get, which object roles and the access boundary do not give', async () => {
    world.fake.gcs.createBucket('cors-bucket', {
      iam: { [READER]: ['roles/storage.objectViewer', 'roles/storage.legacyBucketReader'] },
      cors: [{ origin: ['https://app.example'], method: ['GET', 'HEAD'], responseHeader: ['Content-Type'], maxAgeSeconds: 3600 }],
    });
    const integration = { id: 'cors', provider: 'gcp' as const, scope: { bucket: 'cors-bucket' }, auth: { kind: 'impersonation' as const, serviceAccount: READER } };
    resolver.addIntegration(integration);
    const boxed = await resolver.verify('cors', { origin: 'https://app.example' });
    expect(boxed.checks.find((c) => c.name === 'cors')).toMatchObject({ status: 'fail', code: 'ACCESS_DENIED', required: false });
    expect(boxed.status).toBe('active');

    const open = createAssetResolver({ integrations: [integration], platform: { gcp: { ...world.platform.gcp, credentialAccessBoundary: false } } });
    try {
      expect(statuses(await open.verify('cors', { origin: 'https://app.example' })).cors).toBe('pass');
      expect(statuses(await open.verify('cors', { origin: 'https://evil.example' })).cors).toBe('fail');
    } finally {
      await open.close();
    }
  });
});
