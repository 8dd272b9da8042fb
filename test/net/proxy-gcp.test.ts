import dns from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetResolver, ResolverOptions } from '../../src/index.js';
import { ForwardProxy } from '../../src/testing/forward-proxy.js';
import { BUCKET, startGcpWorld, type GcpWorld } from '../resolvers/gcp-fixture.js';
import { failure } from '../helpers/failure.js';

/**
 * platform.proxy for gcp: the fake GCS, IAM Credentials and STS servers are named so that only the
 * proxy resolves them (the test network guard refuses them otherwise). Every request of the GCP
 * driver — storage SDK calls, impersonation, signBlob, the STS boundary exchange, browser-upload
 * sessions — must therefore have gone through the proxy for the operation to succeed.
 */

const GCS_HOST = 'gcs-behind-proxy';
const IAM_HOST = 'iam-behind-proxy';
const STS_HOST = 'sts-gcp-behind-proxy';
const MiB = 1024 * 1024;

/** The proxy log's host names: CONNECT `host:port` and forwarded absolute URLs alike. */
function hostsIn(proxy: ForwardProxy): Set<string> {
  return new Set(proxy.requests.map((r) => (r.method === 'CONNECT' ? r.target.replace(/:\d+$/, '') : new URL(r.target).hostname)));
}

describe('platform.proxy covers gcp', () => {
  let world: GcpWorld;
  let proxy: ForwardProxy;
  let named: NonNullable<NonNullable<ResolverOptions['platform']>['gcp']>;
  const resolvers: AssetResolver[] = [];

  beforeAll(async () => {
    world = await startGcpWorld();
    const rename = (url: string, host: string) => `http://${host}:${new URL(url).port}`;
    named = {
      ...world.platform.gcp,
      apiEndpoint: rename(world.fake.endpoints.apiEndpoint, GCS_HOST),
      iamEndpoint: rename(world.fake.endpoints.iamEndpoint, IAM_HOST),
      stsEndpoint: rename(world.fake.endpoints.stsEndpoint, STS_HOST),
      // Signed URLs are only computed here (signBlob is the network call); they keep the real origin.
      signingEndpoint: world.fake.endpoints.signingEndpoint,
    };
    proxy = await ForwardProxy.start({ hosts: { [GCS_HOST]: '127.0.0.1', [IAM_HOST]: '127.0.0.1', [STS_HOST]: '127.0.0.1' } });
    world.fake.gcs.putObject(BUCKET, 'datasets/a.txt', 'gcs via proxy', { contentType: 'text/plain' });
    world.fake.gcs.putObject(BUCKET, 'datasets/b.txt', 'second', { contentType: 'text/plain' });
  });
  afterAll(async () => {
    await Promise.allSettled(resolvers.map((r) => r.close()));
    await Promise.allSettled([world?.close(), proxy?.close()]);
  });

  function resolver(platform: NonNullable<ResolverOptions['platform']>, extra: Partial<ResolverOptions> = {}): AssetResolver {
    const r = world.resolver({ platform, requestTimeoutMs: 5_000, ...extra });
    resolvers.push(r);
    return r;
  }

  it('impersonated read, write (simple and resumable), list, presign and a browser upload all go through the proxy', async () => {
    await expect(dns.lookup(GCS_HOST)).rejects.toThrow();
    const r = resolver({ gcp: { ...named, resumableThresholdBytes: 256 * 1024 }, proxy: proxy.url, noProxy: [] });

    const read = await r.resolveAsset(`gs://${BUCKET}/datasets/a.txt`);
    expect(new TextDecoder().decode(await read.bytes())).toBe('gcs via proxy');
    expect((await read.head()).size).toBe('gcs via proxy'.length);

    await (await r.resolveAsset(`gs://${BUCKET}/labels/small.txt`)).write('written via proxy');
    expect(new TextDecoder().decode(world.fake.gcs.getObject(BUCKET, 'labels/small.txt')!.data)).toBe('written via proxy');
    // Larger than the resumable threshold: the SDK's session start (gaxios) and our chunk PUTs.
    const big = new Uint8Array(MiB + 17).map((_, i) => i % 251);
    await (await r.resolveAsset(`gs://${BUCKET}/labels/big.bin`)).write(big);
    expect(world.fake.gcs.getObject(BUCKET, 'labels/big.bin')!.data.length).toBe(big.length);

    const keys: string[] = [];
    for await (const item of r.list(`gs://${BUCKET}/datasets/`)) keys.push(item.key);
    expect(keys.sort()).toEqual(['datasets/a.txt', 'datasets/b.txt']);

    const signedBefore = world.fake.iam.calls.filter((c) => c.method === 'signBlob').length;
    const presigned = await read.presign({ ttlSeconds: 300 });
    expect(presigned.url).toContain('X-Goog-Signature=');
    expect(world.fake.iam.calls.filter((c) => c.method === 'signBlob').length).toBe(signedBefore + 1);

    const upload = await r.resolveAsset(`gs://${BUCKET}/labels/browser.bin`);
    const plan = await upload.createUpload({ size: MiB, partSize: 256 * 1024, ttlSeconds: 60 });
    expect(world.fake.gcs.listOpenUploads(BUCKET).map((u) => u.name)).toContain('labels/browser.bin');
    const resumed = await upload.resumeUpload(plan.uploadId, { ttlSeconds: 60 });
    expect(resumed.parts.length).toBe(4);
    await upload.abortUpload(plan.uploadId);
    expect(world.fake.gcs.listOpenUploads(BUCKET).filter((u) => u.name === 'labels/browser.bin')).toEqual([]);

    // Impersonation minted tokens and STS downscoped them — through the proxy, as nothing else resolves these names.
    expect(world.fake.iam.calls.some((c) => c.method === 'generateAccessToken')).toBe(true);
    expect(world.fake.sts.calls.length).toBeGreaterThan(0);
    expect([...hostsIn(proxy)].sort()).toEqual([GCS_HOST, IAM_HOST, STS_HOST].sort());
    expect(proxy.requests.every((q) => q.status === 200 || q.method !== 'CONNECT')).toBe(true);
  });

  it('vend: the token and its STS exchange go through the proxy', async () => {
    const r = resolver({ gcp: named, proxy: { gcp: proxy.url }, noProxy: [] });
    const stsBefore = world.fake.sts.calls.length;
    const vended = await r.vend(`gs://${BUCKET}/datasets/`, { ttlSeconds: 600 });
    expect(vended.provider).toBe('gcp');
    expect(world.fake.sts.calls.length).toBeGreaterThan(stsBefore);
  });

  it('without the proxy the same names are unreachable (the proof above is not vacuous)', async () => {
    const r = resolver({ gcp: named });
    const before = proxy.requests.length;
    await failure(r.resolveAsset(`gs://${BUCKET}/datasets/a.txt`).then((a) => a.bytes()));
    expect(proxy.requests.length).toBe(before);
  });

  it('NO_PROXY hosts are reached directly; a proxy for other providers only leaves gcp direct', async () => {
    const before = proxy.requests.length;
    const bypass = resolver({ gcp: world.platform.gcp!, proxy: proxy.url, noProxy: ['127.0.0.1'] });
    const asset = await bypass.resolveAsset(`gs://${BUCKET}/datasets/a.txt`);
    expect(new TextDecoder().decode(await asset.bytes())).toBe('gcs via proxy');
    await (await bypass.resolveAsset(`gs://${BUCKET}/labels/direct.txt`)).write('direct');
    await asset.presign({ ttlSeconds: 60 });
    const other = resolver({ gcp: world.platform.gcp!, proxy: { azure: proxy.url } });
    expect(new TextDecoder().decode(await (await other.resolveAsset(`gs://${BUCKET}/datasets/b.txt`)).bytes())).toBe('second');
    expect(proxy.requests.length).toBe(before);
  });

  it('the proxy on 127.0.0.1 endpoints (no NO_PROXY) still carries every request', async () => {
    const before = proxy.requests.length;
    const r = resolver({ gcp: world.platform.gcp!, proxy: proxy.url, noProxy: [] });
    expect(new TextDecoder().decode(await (await r.resolveAsset(`gs://${BUCKET}/datasets/b.txt`)).bytes())).toBe('second');
    expect(proxy.requests.length).toBeGreaterThan(before);
  });
});
