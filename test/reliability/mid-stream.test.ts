import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type AssetResolver } from '../../src/index.js';
import { drain, sha256, startAwsWorld, startGcpWorld, typedCode, type AwsWorld, type GcpWorld } from './fixtures/worlds.js';

/**
 * A download that dies after the headers (and part of the body) have arrived must fail loudly:
 * `bytes()` rejects with a typed AssetLinkError, and a `read()` stream's `reader.read()` rejects.
 * A truncated body is never handed out as a success. The fakes send the full Content-Length,
 * half of the bytes, then close the connection.
 */

const BIG = 1024 * 1024; // several socket chunks, so the cut lands mid-stream

async function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try { return { ok: true, value: await promise }; } catch (error) { return { ok: false, error }; }
}

describe('S3: a body cut mid-stream is an error, never a short success', () => {
  let world: AwsWorld;
  let resolver: AssetResolver;
  beforeAll(async () => {
    world = await startAwsWorld({ integrations: 1, perIntegration: 2, size: (i) => (i === 0 ? BIG : 64 * 1024) });
    resolver = createAssetResolver({ platform: world.platform, integrations: world.integrations, requestTimeoutMs: 5_000 });
  });
  afterAll(async () => { await resolver?.close(); await world?.close(); });

  it('bytes() rejects with a typed, retryable error; the next read gets every byte', async () => {
    const [big] = world.objects;
    const asset = await resolver.resolveAsset(big!.uri);
    world.fakes.s3.injectFault({ type: 'truncate' });
    const cut = await settle(asset.bytes());
    expect(cut.ok).toBe(false);
    const error = (cut as { error: unknown }).error;
    expect(typedCode(error)).toBe('PROVIDER_ERROR');
    expect((error as AssetLinkError).retryable).toBe(true);
    expect(world.fakes.s3.requests.filter((r) => r.fault === 'truncate')).toHaveLength(1);
    // Nothing is poisoned: the next read is whole.
    expect(sha256(await asset.bytes())).toBe(big!.sha256);
  });

  it('read(): chunks arrive, then reader.read() rejects with a typed error', async () => {
    const [big] = world.objects;
    const asset = await resolver.resolveAsset(big!.uri);
    world.fakes.s3.injectFault({ type: 'truncate' });
    const stream = await asset.read();
    const reader = stream.getReader();
    let received = 0;
    let failure: unknown;
    for (;;) {
      try {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.byteLength;
      } catch (error) {
        failure = error;
        break;
      }
    }
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(BIG);
    expect(typedCode(failure)).toBe('PROVIDER_ERROR');
  });

  it('ranged reads too (no checksum can catch those)', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    world.fakes.s3.injectFault({ type: 'truncate' });
    const cut = await settle(asset.read({ range: { start: 100, end: 40_099 } }).then(drain));
    expect(cut.ok).toBe(false);
    expect(typedCode((cut as { error: unknown }).error)).toBe('PROVIDER_ERROR');
    const whole = await drain(await asset.read({ range: { start: 100, end: 40_099 } }));
    expect(sha256(whole)).toBe(sha256(small!.body.subarray(100, 40_100)));
  });
});

describe('a download that goes silent mid-body fails within requestTimeoutMs, never hangs', () => {
  let aws: AwsWorld;
  let gcp: GcpWorld;
  let resolver: AssetResolver;
  beforeAll(async () => {
    [aws, gcp] = await Promise.all([
      startAwsWorld({ integrations: 1, perIntegration: 1, size: () => 256 * 1024 }),
      startGcpWorld({ integrations: 1, perIntegration: 1, size: () => 256 * 1024 }),
    ]);
    resolver = createAssetResolver({ platform: { ...aws.platform, ...gcp.platform }, integrations: [...aws.integrations, ...gcp.integrations], requestTimeoutMs: 800 });
  });
  afterAll(async () => { await resolver?.close(); await Promise.all([aws?.close(), gcp?.close()]); });

  it('S3', async () => {
    const asset = await resolver.resolveAsset(aws.objects[0]!.uri);
    await asset.head(); // credentials minted, client warm
    aws.fakes.s3.injectFault({ type: 'stall' });
    const stalled = await settle(asset.bytes());
    expect(stalled.ok).toBe(false);
    expect(['TIMEOUT', 'PROVIDER_ERROR']).toContain(typedCode((stalled as { error: unknown }).error));
    expect(((stalled as { error: unknown }).error as AssetLinkError).retryable).toBe(true);
    expect(sha256(await asset.bytes())).toBe(aws.objects[0]!.sha256);
  });

  it('GCS', async () => {
    const asset = await resolver.resolveAsset(gcp.objects[0]!.uri);
    await asset.head();
    gcp.fake.gcs.setFaultPolicy((req, url) => (url.searchParams.get('alt') === 'media' ? { stall: true } : undefined));
    const stalled = await settle(asset.bytes());
    gcp.fake.gcs.clearFaults();
    expect(stalled.ok).toBe(false);
    expect(typedCode((stalled as { error: unknown }).error)).toBe('TIMEOUT');
    expect(sha256(await asset.bytes())).toBe(gcp.objects[0]!.sha256);
  });
});

describe('GCS: a body cut mid-stream is an error, never a short success', () => {
  let world: GcpWorld;
  let resolver: AssetResolver;
  beforeAll(async () => {
    world = await startGcpWorld({ integrations: 1, perIntegration: 2, size: (i) => (i === 0 ? BIG : 64 * 1024) });
    // The storage SDK never reports a connection lost mid-body; the driver's idle guard
    // (requestTimeoutMs without a byte while the consumer waits) turns the stall into TIMEOUT.
    resolver = createAssetResolver({ platform: world.platform, integrations: world.integrations, requestTimeoutMs: 1_000 });
  });
  afterAll(async () => { await resolver?.close(); await world?.close(); });

  /** Typed, retryable, and one of the two codes a lost download can honestly be. */
  const expectLostDownload = (error: unknown): void => {
    expect(['PROVIDER_ERROR', 'TIMEOUT']).toContain(typedCode(error));
    expect((error as AssetLinkError).retryable).toBe(true);
  };

  // Every attempt is cut (the SDK may retry a download that fails before its first byte).
  const cutEveryDownload = (object: string): void => {
    world.fake.gcs.setFaultPolicy((req, url) => (req.method === 'GET' && url.searchParams.get('alt') === 'media' && url.pathname.endsWith(encodeURIComponent(object)) ? { truncate: true } : undefined));
  };

  it('bytes() rejects with a typed error; with the fault gone the bytes are whole', async () => {
    const [big] = world.objects;
    const asset = await resolver.resolveAsset(big!.uri);
    cutEveryDownload('p0/object-0.bin');
    const cut = await settle(asset.bytes());
    world.fake.gcs.clearFaults();
    expect(cut.ok).toBe(false);
    expectLostDownload((cut as { error: unknown }).error);
    expect(sha256(await asset.bytes())).toBe(big!.sha256);
  });

  it('read(): reader.read() rejects after some chunks', async () => {
    const [big] = world.objects;
    const asset = await resolver.resolveAsset(big!.uri);
    cutEveryDownload('p0/object-0.bin');
    try {
      const opened = await settle(asset.read());
      if (!opened.ok) {
        // Cut before the first chunk reached us: the call itself failed, typed. Also acceptable.
        expectLostDownload(opened.error);
        return;
      }
      const reader = opened.value.getReader();
      let received = 0;
      let failure: unknown;
      for (;;) {
        try {
          const { done, value } = await reader.read();
          if (done) break;
          received += value.byteLength;
        } catch (error) {
          failure = error;
          break;
        }
      }
      expect(received).toBeLessThan(BIG);
      expectLostDownload(failure);
    } finally {
      world.fake.gcs.clearFaults();
    }
  });

  it('ranged reads too (the SDK cannot checksum a range)', async () => {
    const [, small] = world.objects;
    const asset = await resolver.resolveAsset(small!.uri);
    cutEveryDownload('p0/object-1.bin');
    const cut = await settle(asset.read({ range: { start: 100, end: 40_099 } }).then(drain));
    world.fake.gcs.clearFaults();
    expect(cut.ok).toBe(false);
    expectLostDownload((cut as { error: unknown }).error);
    const whole = await drain(await asset.read({ range: { start: 100, end: 40_099 } }));
    expect(sha256(whole)).toBe(sha256(small!.body.subarray(100, 40_100)));
  });
});
