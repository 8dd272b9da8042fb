import { afterAll, beforeAll, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver } from '../../src/index.js';
import { BUCKET, startGcpWorld, type GcpWorld } from './gcp-fixture.js';

let world: GcpWorld;
beforeAll(async () => { world = await startGcpWorld(); });
afterAll(async () => { await world.close(); });

it('a silent GCS ends in a retryable TIMEOUT (requestTimeoutMs), not a hang', async () => {
  world.fake.gcs.putObject(BUCKET, 'datasets/slow.txt', 'slow');
  const resolver = world.resolver({ requestTimeoutMs: 300 });
  const asset = await resolver.resolveAsset(`gs://${BUCKET}/datasets/slow.txt`);
  await asset.head();
  world.fake.gcs.injectFault({ delayMs: 3_000, pathIncludes: 'slow', times: 2 });
  const error = await asset.head().then(() => undefined, (e: unknown) => e);
  world.fake.gcs.clearFaults();
  expect(error).toBeInstanceOf(AssetLinkError);
  expect((error as AssetLinkError).code).toBe('TIMEOUT');
  expect((error as AssetLinkError).retryable).toBe(true);
});

it('a silent resumable upload also ends in TIMEOUT', async () => {
  const big = createAssetResolver({
    integrations: [world.readWrite], requestTimeoutMs: 300,
    platform: { gcp: { ...world.platform.gcp, resumableThresholdBytes: 256 * 1024, resumableChunkBytes: 256 * 1024 } },
  });
  try {
    const asset = await big.resolveAsset(`gs://${BUCKET}/labels/slow.bin`);
    await asset.write(new Uint8Array(10)); // warm: token minted, client loaded
    world.fake.gcs.injectFault({ delayMs: 3_000, pathIncludes: '/upload/', times: 2 });
    const error = await asset.write(new Uint8Array(300 * 1024)).then(() => undefined, (e: unknown) => e);
    world.fake.gcs.clearFaults();
    expect((error as AssetLinkError).code).toBe('TIMEOUT');
  } finally {
    await big.close();
  }
});
