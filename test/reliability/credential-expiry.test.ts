import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver } from '../../src/index.js';
import { FakeEntra, startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/index.js';
import { drain, sha256, startAwsWorld, startGcpWorld, typedCode, type AwsWorld, type GcpWorld } from './fixtures/worlds.js';

/**
 * Credentials that expire (or are revoked) between calls or while a download is in flight.
 * AWS and GCP share one clock between the resolver and the fakes, so expiry is reached without
 * waiting; Azurite checks tokens against the real clock, so the Azure case skews Entra's instead.
 */

const MiB = 1024 * 1024;

describe('AWS: 900-second sessions', () => {
  let clock = Date.now();
  let world: AwsWorld;
  let resolver: AssetResolver;
  const events: AssetLinkEvent[] = [];
  beforeAll(async () => {
    world = await startAwsWorld({ integrations: 1, perIntegration: 2, size: (i) => (i === 0 ? MiB : 1000), now: () => clock, durationSeconds: 900 });
    resolver = createAssetResolver({ platform: world.platform, integrations: world.integrations, now: () => clock, requestTimeoutMs: 5_000, onEvent: (e) => events.push(e) });
  });
  afterAll(async () => { await resolver?.close(); await world?.close(); });

  const issued = (): string[] => world.fakes.sts.calls.filter((c) => c.outcome === 'issued').map((c) => c.issuedAccessKeyId!);
  /** Access key that signed the last request S3 accepted. */
  const lastSigner = (): string | undefined => world.fakes.s3.requests.filter((r) => r.code === undefined).at(-1)?.accessKeyId;

  it('past its expiry the next call mints a new session and reads the right bytes', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    expect(sha256(await asset.bytes())).toBe(small!.sha256);
    expect(world.fakes.sts.calls[0]!.durationSeconds).toBe(900);
    expect(issued()).toHaveLength(1);
    clock += 901_000;
    expect(sha256(await asset.bytes())).toBe(small!.sha256);
    expect(issued()).toHaveLength(2);
    expect(lastSigner()).toBe(issued()[1]);
    expect(world.fakes.s3.refusals).toEqual([]); // refreshed before S3 could refuse anything
  });

  it('inside the refresh window the old session is served while one background refresh runs', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    clock += (900 - 200) * 1000; // 200 s left: inside the default 300 s refresh-ahead window
    const before = issued().length;
    const reads = await Promise.all(Array.from({ length: 20 }, () => asset.bytes()));
    for (const bytes of reads) expect(sha256(bytes)).toBe(small!.sha256);
    await expect.poll(() => issued().length).toBe(before + 1); // one refresh for 20 callers
    expect(events.some((e) => e.type === 'credentials.refreshed')).toBe(true);
  });

  it('a session S3 calls expired (clock skew) is re-minted once, inside the same call', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    await asset.head();
    const current = world.fakes.keyring.get(lastSigner()!)!;
    current.expiresAt = clock - 1; // S3 now says ExpiredToken; assetlink still thinks it is fresh
    const before = issued().length;
    expect(await asset.head()).toMatchObject({ size: small!.body.byteLength });
    expect(issued()).toHaveLength(before + 1);
    expect(world.fakes.s3.refusals.map((r) => r.code)).toEqual(['ExpiredToken']);
    expect(lastSigner()).toBe(issued().at(-1));
  });

  it('expiring mid-download does not cut the download; the next call re-mints', async () => {
    const [big] = world.objects;
    const asset = await resolver.resolveAsset(big!.uri);
    const stream = await asset.read();
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    const signer = lastSigner()!;
    // The session expires while the body is still arriving (for S3 and for assetlink's clock).
    world.fakes.keyring.get(signer)!.expiresAt = clock - 1;
    clock += 901_000;
    const chunks: Uint8Array[] = [first.value!];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(sha256(Buffer.concat(chunks))).toBe(big!.sha256);
    const before = issued().length;
    expect(sha256(await asset.bytes())).toBe(big!.sha256);
    expect(issued()).toHaveLength(before + 1);
    expect(lastSigner()).not.toBe(signer);
  });

  it('a session S3 no longer knows (revoked) is re-minted once, inside the same call', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    await asset.head();
    const refusalsBefore = world.fakes.s3.refusals.length;
    world.fakes.keyring.revoke(lastSigner()!);
    const before = issued().length;
    expect(sha256(await drain(await asset.read()))).toBe(small!.sha256);
    expect(issued()).toHaveLength(before + 1);
    expect(world.fakes.s3.refusals.slice(refusalsBefore).map((r) => r.code)).toEqual(['InvalidAccessKeyId']);
  });

  it('an STS that keeps refusing is not hammered: one mint per call, typed error', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    clock += 901_000;
    world.fakes.sts.injectFault({ type: 'server-error' }, 100);
    const requestsBefore = world.fakes.sts.requestCount;
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => asset.bytes()));
    world.fakes.sts.clearFaults();
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect(typedCode((r as PromiseRejectedResult).reason)).toBe('CREDENTIALS_UNAVAILABLE');
    }
    // 50 concurrent callers share one refresh: 3 attempts, not 50 × 3.
    expect(world.fakes.sts.requestCount - requestsBefore).toBe(3);
    // Nothing bad was cached: with STS healthy again the next call works.
    expect(sha256(await asset.bytes())).toBe(small!.sha256);
  });
});

describe('GCP: impersonated tokens', () => {
  let clock = Date.now();
  let world: GcpWorld;
  let resolver: AssetResolver;
  beforeAll(async () => {
    world = await startGcpWorld({ integrations: 1, perIntegration: 2, size: (i) => (i === 0 ? MiB : 1000), now: () => clock });
    resolver = createAssetResolver({ platform: world.platform, integrations: world.integrations, now: () => clock, requestTimeoutMs: 5_000 });
  });
  afterAll(async () => { await resolver?.close(); await world?.close(); });

  const minted = (): number => world.fake.iam.count('generateAccessToken');
  /** The downscoped token GCS accepted last. */
  const lastToken = (): string => world.fake.sts.calls.filter((c) => c.status === 200).at(-1)!.issuedToken!;

  it('past its expiry the next call mints a new token and reads the right bytes', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    expect(sha256(await asset.bytes())).toBe(small!.sha256);
    expect(minted()).toBe(1);
    clock += 3601_000;
    expect(sha256(await asset.bytes())).toBe(small!.sha256);
    expect(minted()).toBe(2);
  });

  it('a token GCS rejects (revoked) fails that call with a retryable typed error; the next call re-mints', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    await asset.head();
    world.fake.directory.revokeToken(lastToken());
    const before = minted();
    const error = await asset.bytes().then(() => undefined, (e: unknown) => e);
    expect(typedCode(error)).toBe('CREDENTIALS_UNAVAILABLE');
    expect((error as { retryable: boolean }).retryable).toBe(true);
    expect(sha256(await asset.bytes())).toBe(small!.sha256);
    expect(minted()).toBe(before + 1);
  });

  it('expiring mid-download does not cut the download', async () => {
    const [big] = world.objects;
    const asset = await resolver.resolveAsset(big!.uri);
    const stream = await asset.read();
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    const first = await reader.read();
    chunks.push(first.value!);
    world.fake.directory.revokeToken(lastToken());
    clock += 3601_000;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(sha256(Buffer.concat(chunks))).toBe(big!.sha256);
    expect(sha256(await asset.bytes())).toBe(big!.sha256);
  });
});

describe('Azure: Entra tokens', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
  const SECRET = 'reliability-expiry-secret';
  const ACCOUNT = 'expirydata';
  const CONTAINER = 'assets';
  const URI = `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/p/object.bin`;
  let env: AzureTestEnvironment;
  /** A second Entra whose clock can run behind: its tokens arrive already expired for Azurite. */
  let entra: FakeEntra;
  let entraSkewMs = 0;
  let resolver: AssetResolver;
  const body = Buffer.from('azure object body, reliability');

  beforeAll(async () => {
    env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`] });
    entra = await FakeEntra.start({ tls: env.tls, apps: [{ tenantId: TENANT, clientId: APP, clientSecret: SECRET }], now: () => Date.now() - entraSkewMs });
    await env.azurite.putBlob(CONTAINER, 'p/object.bin', body, { account: ACCOUNT });
    resolver = createAssetResolver({
      platform: { azure: { ...env.platform, authorityHost: entra.authorityHost } },
      requestTimeoutMs: 5_000,
      integrations: [{ id: 'az', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'p' }, auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: SECRET } }],
    });
  });
  afterAll(async () => { await resolver?.close(); await entra?.close(); await env?.close(); });

  it('a token storage rejects as expired is dropped: the call fails typed, the next call re-mints and reads', async () => {
    // Entra's clock is 2 h behind: its token says "valid for 3600 s" but expired an hour ago.
    // (Azurite answers 403 AuthenticationFailed; Azure answers 401 InvalidAuthenticationInfo.)
    entraSkewMs = 2 * 3600_000;
    const asset = await resolver.resolveAsset(URI);
    const error = await asset.bytes().then(() => undefined, (e: unknown) => e);
    expect(typedCode(error)).toBe('ACCESS_DENIED');
    expect(entra.tokensIssued).toBe(1);
    entraSkewMs = 0;
    expect(Buffer.from(await asset.bytes()).equals(body)).toBe(true);
    expect(entra.tokensIssued).toBe(2);
  });
});
