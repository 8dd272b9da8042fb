import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetLinkError, type AssetResolver } from '../../src/index.js';
import { BUCKET, PLATFORM, READER, startGcpWorld, type GcpWorld } from '../resolvers/gcp-fixture.js';

/**
 * Issue 19: for GCS impersonated integrations, where every URL costs one IAM signBlob call,
 * reuse turns one signBlob per call into one per window (counted at the fake IAM).
 */

let world: GcpWorld;
const WINDOW = 300;
let clock = Date.now();

beforeAll(async () => { world = await startGcpWorld(); });
afterAll(async () => { await world.close(); });
beforeEach(() => {
  world.fake.iam.reset();
  clock = Date.now();
});

const resolverWith = (windowSeconds?: number): AssetResolver =>
  world.resolver({ now: () => clock, ...(windowSeconds !== undefined ? { presignReuse: { windowSeconds } } : {}) });

describe('presign reuse on GCS impersonation', () => {
  it('one signBlob per asset and window instead of one per call, and the URL works', async () => {
    world.fake.gcs.putObject(BUCKET, 'datasets/frame-1.jpg', 'frame one', { contentType: 'image/jpeg' });
    const resolver = resolverWith(WINDOW);
    const uri = `gs://${BUCKET}/datasets/frame-1.jpg`;
    const urls = new Set<string>();
    for (let i = 0; i < 50; i++) urls.add((await resolver.presign(uri, 900)).url);
    // 50 concurrent cold calls for another asset share one signing too.
    const concurrent = await Promise.all(Array.from({ length: 50 }, () => resolver.presign(`gs://${BUCKET}/datasets/frame-2.jpg`, 900)));
    expect(urls.size).toBe(1);
    expect(new Set(concurrent.map((u) => u.url)).size).toBe(1);
    expect(world.fake.iam.count('signBlob')).toBe(2);
    expect(world.fake.iam.calls.filter((c) => c.method === 'signBlob').every((c) => c.serviceAccount === READER)).toBe(true);
    const [url] = urls;
    const response = await fetch(url!);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('frame one');
    // Truthful expiry, never less than the asked TTL from the time it was handed out.
    const q = new URL(url!).searchParams;
    const date = q.get('X-Goog-Date')!;
    const signedAt = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
    const presigned = await resolver.presign(uri, 900);
    expect(presigned.expiresAt.getTime()).toBe(signedAt + Number(q.get('X-Goog-Expires')) * 1000);
    expect(presigned.expiresAt.getTime() - clock).toBeGreaterThanOrEqual(900_000);
  });

  it('a new window signs once more; without reuse every call signs', async () => {
    const uri = `gs://${BUCKET}/datasets/frame-3.jpg`;
    const reusing = resolverWith(WINDOW);
    clock = (Math.floor(Date.now() / (WINDOW * 1000)) + 1) * WINDOW * 1000 + 1_000;
    const a = await reusing.presign(uri, 600);
    clock += (WINDOW - 2) * 1000;
    expect((await reusing.presign(uri, 600)).url).toBe(a.url);
    expect(world.fake.iam.count('signBlob')).toBe(1);
    clock += 2_000;
    const b = await reusing.presign(uri, 600);
    expect(b.url).not.toBe(a.url);
    expect(b.expiresAt.getTime() - clock).toBeGreaterThanOrEqual(600_000);
    expect(world.fake.iam.count('signBlob')).toBe(2);

    world.fake.iam.reset();
    const plain = resolverWith();
    for (let i = 0; i < 5; i++) await plain.presign(uri, 600);
    expect(world.fake.iam.count('signBlob')).toBe(5);
  });

  it('a failed signing is not kept: the next call signs again', async () => {
    world.fake.gcs.putObject(BUCKET, 'datasets/frame-4.jpg', 'frame four');
    const resolver = resolverWith(WINDOW);
    const uri = `gs://${BUCKET}/datasets/frame-4.jpg`;
    world.fake.directory.revokeTokenCreator(PLATFORM, READER);
    try {
      const failed = await resolver.presign(uri, 600).then(() => undefined, (e: unknown) => e);
      expect(failed).toBeInstanceOf(AssetLinkError);
    } finally {
      world.fake.directory.grantTokenCreator(PLATFORM, READER);
    }
    const before = world.fake.iam.count('signBlob');
    const ok = await resolver.presign(uri, 600);
    expect(world.fake.iam.count('signBlob')).toBe(before + 1);
    expect(await (await fetch(ok.url)).text()).toBe('frame four');
  });
});
