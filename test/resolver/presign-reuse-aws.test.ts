import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import type { AwsIntegration, PresignOptions } from '../../src/types.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Signed-URL reuse (issue 19) on S3, against the strict fake S3 and fake STS, one clock shared by
 * resolver, STS and S3. S3 signatures are deterministic within one second, so every "not reused"
 * assertion first moves the clock: a fresh signature then names another X-Amz-Date.
 */

const ACCOUNT = '222222222222';
const BUCKET = 'reuse-media';
const ROLE_A = `arn:aws:iam::${ACCOUNT}:role/reuse-a`;
const ROLE_B = `arn:aws:iam::${ACCOUNT}:role/reuse-b`;
const EXT_A = 'reuse-external-id-aaaa-0001';
const EXT_B = 'reuse-external-id-bbbb-0002';
const CAT = `s3://${BUCKET}/images/cat.jpg`;
const WINDOW = 600;

// Start 10 s into a window, so a test has room before the window's end.
let clock = (Math.floor(Date.now() / (WINDOW * 1000)) + 1) * WINDOW * 1000 + 10_000;
let fakes: AwsFakes;
const resolvers: AssetResolver[] = [];

const integ = (id: string, roleArn: string, externalId: string, extra: Partial<AwsIntegration> = {}): AwsIntegration => ({
  id, provider: 'aws', mode: 'read-write', scope: { bucket: BUCKET, prefix: 'images', region: 'us-east-1' },
  auth: { kind: 'assume-role', roleArn, externalId }, ...extra,
});

function make(options: Parameters<typeof createAssetResolver>[0] = {}): AssetResolver {
  const r = createAssetResolver({ now: () => clock, requestTimeoutMs: 5_000, platform: { aws: fakes.platform }, ...options });
  resolvers.push(r);
  return r;
}

const accessKey = (url: string): string => decodeURIComponent(new URL(url).searchParams.get('X-Amz-Credential') ?? '').split('/')[0]!;

beforeAll(async () => {
  fakes = await startAwsFakes({
    now: () => clock,
    roles: [{ roleArn: ROLE_A, externalId: EXT_A, maxSessionDurationSeconds: 43_200 }, { roleArn: ROLE_B, externalId: EXT_B, maxSessionDurationSeconds: 43_200 }],
    buckets: [{ name: BUCKET, ownerAccountId: ACCOUNT }],
  });
  await fakes.s3.putObject(BUCKET, 'images/cat.jpg', 'meow', { contentType: 'image/jpeg' });
  await fakes.s3.putObject(BUCKET, 'images/dog.jpg', 'woof', { contentType: 'image/jpeg' });
  fakes.keyring.addStaticKey({ accessKeyId: 'AKIAREUSESTATIC00001', secretAccessKey: 'reuse-static-secret', accountId: ACCOUNT });
});
afterAll(async () => {
  await Promise.all(resolvers.map((r) => r.close()));
  await fakes?.close();
});
let start = clock;
beforeEach(() => {
  // Every test begins 10 s into a fresh window.
  clock = (Math.floor(clock / (WINDOW * 1000)) + 1) * WINDOW * 1000 + 10_000;
  start = clock;
});

describe('presign reuse: same asset, method and options within a window', () => {
  it('returns the byte-identical URL, valid against the fake, that always has the asked TTL left', async () => {
    const resolver = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW } });
    const windowEnd = (Math.floor(start / (WINDOW * 1000)) + 1) * WINDOW * 1000;
    const first = await resolver.presign(CAT, 300);
    // Signed to the window's end plus the asked TTL: truthful, never shorter than asked.
    expect(first.expiresAt.getTime()).toBe(windowEnd + 300_000);
    expect(new URL(first.url).searchParams.get('X-Amz-Expires')).toBe(String((windowEnd + 300_000 - start) / 1000));
    for (const later of [1_000, 60_000, 300_000, windowEnd - start - 1]) {
      clock = start + later;
      const again = await resolver.presign(CAT, 300);
      expect(again.url).toBe(first.url);
      expect(again.expiresAt.getTime()).toBe(first.expiresAt.getTime());
      expect(again.expiresAt.getTime() - clock).toBeGreaterThanOrEqual(300_000);
      const response = await fetch(again.url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('meow');
    }
    // Still valid for the full asked TTL after the last hand-out, and not a second beyond.
    clock = windowEnd - 1 + 300_000;
    expect((await fetch(first.url)).status).toBe(200);
    clock = first.expiresAt.getTime() + 1_000;
    expect((await fetch(first.url)).status).toBe(403);
  });

  it('refreshes at the window end, before the remaining life drops under the asked TTL', async () => {
    const resolver = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW } });
    const windowEnd = (Math.floor(start / (WINDOW * 1000)) + 1) * WINDOW * 1000;
    const first = await resolver.presign(CAT, 120);
    clock = windowEnd;
    const next = await resolver.presign(CAT, 120);
    expect(next.url).not.toBe(first.url);
    expect(next.expiresAt.getTime()).toBe(windowEnd + WINDOW * 1000 + 120_000);
    expect((await fetch(next.url)).status).toBe(200);
    // Within the new window the new URL is the one reused.
    clock = windowEnd + 5_000;
    expect((await resolver.presign(CAT, 120)).url).toBe(next.url);
  });

  it('is off by default, and reuse: false turns the resolver setting off per call', async () => {
    const plain = make({ integrations: [integ('a', ROLE_A, EXT_A)] });
    const a = await plain.presign(CAT, 300);
    expect(a.expiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 300_000);
    clock += 1_000;
    expect((await plain.presign(CAT, 300)).url).not.toBe(a.url);
    // Opt-in per call.
    const b = await plain.presign(CAT, 300, { reuse: { windowSeconds: WINDOW } });
    clock += 1_000;
    expect((await plain.presign(CAT, 300, { reuse: { windowSeconds: WINDOW } })).url).toBe(b.url);
    const asset = await plain.resolveAsset(CAT);
    expect((await asset.presign({ ttlSeconds: 300, reuse: { windowSeconds: WINDOW } })).url).toBe(b.url);

    const reusing = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW } });
    const c = await reusing.presign(CAT, 300);
    clock += 1_000;
    const d = await reusing.presign(CAT, 300, { reuse: false });
    expect(d.url).not.toBe(c.url);
    expect(d.expiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 300_000);
  });

  it('rejects a bad window', async () => {
    expect(() => make({ presignReuse: { windowSeconds: 0 } })).toThrow(/windowSeconds/);
    const resolver = make({ integrations: [integ('a', ROLE_A, EXT_A)] });
    expect(await codeOf(resolver.presign(CAT, 300, { reuse: { windowSeconds: 1.5 } }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(resolver.presign(CAT, 300, { reuse: { windowSeconds: 86_401 } }))).toBe('INVALID_ARGUMENT');
  });
});

describe('presign reuse never crosses', () => {
  /** The URL for `second` after one for `first`, a second later (a fresh signature differs). */
  async function pair(resolver: AssetResolver, first: () => Promise<{ url: string }>, second: () => Promise<{ url: string }>): Promise<void> {
    const a = await first();
    clock += 1_000;
    const b = await second();
    expect(b.url).not.toBe(a.url);
    clock += 1_000;
    // ...while each is itself reused.
    expect((await second()).url).toBe(b.url);
    expect((await first()).url).toBe(a.url);
    void resolver;
  }

  it('methods, content types, TTLs, clamp, keys', async () => {
    const r = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW } });
    await pair(r, () => r.presign(CAT, 300), () => r.presign(CAT, 300, { method: 'PUT' }));
    await pair(r, () => r.presign(CAT, 300, { method: 'PUT', contentType: 'image/jpeg' }), () => r.presign(CAT, 300, { method: 'PUT', contentType: 'image/png' }));
    await pair(r, () => r.presign(CAT, 300), () => r.presign(CAT, 301));
    await pair(r, () => r.presign(CAT, 300), () => r.presign(CAT, 300, { clamp: true }));
    await pair(r, () => r.presign(CAT, 300), () => r.presign(`s3://${BUCKET}/images/dog.jpg`, 300));
    // The PUT URL really binds its content type: the reused one still refuses another.
    const put = await r.presign(CAT.replace('cat', 'upload'), 300, { method: 'PUT', contentType: 'text/plain' });
    expect((await fetch(put.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: 'x' })).status).toBe(403);
    expect((await fetch(put.url, { method: 'PUT', headers: put.headers, body: 'x' })).status).toBe(200);
  });

  it('options added later (response overrides, anything new) are part of the key without being listed', async () => {
    const r = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW } });
    const asset = await r.resolveAsset(CAT);
    const withOption = (extra: Record<string, unknown>) => () => asset.presign({ ttlSeconds: 300, ...extra } as PresignOptions);
    await pair(r, withOption({}), withOption({ responseContentType: 'text/plain' }));
    await pair(r, withOption({ responseContentType: 'text/plain' }), withOption({ responseContentType: 'image/png' }));
    await pair(r, withOption({ responseContentDisposition: 'attachment' }), withOption({ responseContentDisposition: 'inline' }));
    await pair(r, withOption({ someFutureOption: { b: 1, a: [1, 2] } }), withOption({ someFutureOption: { b: 1, a: [2, 1] } }));
    // Key order does not matter; values do.
    const x = await withOption({ someFutureOption: { a: [1, 2], b: 1 } })();
    clock += 1_000;
    expect((await withOption({ someFutureOption: { b: 1, a: [1, 2] } })()).url).toBe(x.url);
    // An option that is not plain data is not guessed at: that call is simply not reused.
    const fn = await withOption({ someFutureOption: () => 1 })();
    clock += 1_000;
    expect((await withOption({ someFutureOption: () => 1 })()).url).not.toBe(fn.url);
  });

  it('integrations covering the same key, and an updated integration', async () => {
    const r = make({ integrations: [integ('a', ROLE_A, EXT_A), integ('b', ROLE_B, EXT_B)], presignReuse: { windowSeconds: WINDOW } });
    const viaA = await r.presign(CAT, 300, { integration: 'a' });
    const viaB = await r.presign(CAT, 300, { integration: 'b' });
    expect(accessKey(viaA.url)).not.toBe(accessKey(viaB.url));
    clock += 1_000;
    expect((await r.presign(CAT, 300, { integration: 'a' })).url).toBe(viaA.url);
    expect((await r.presign(CAT, 300, { integration: 'b' })).url).toBe(viaB.url);
    // Replaced configuration: the old registration's URL is not handed out again.
    r.updateIntegration(integ('a', ROLE_B, EXT_B));
    clock += 1_000;
    const updated = await r.presign(CAT, 300, { integration: 'a' });
    expect(updated.url).not.toBe(viaA.url);
    const owners = new Map(fakes.sts.calls.filter((c) => c.issuedAccessKeyId).map((c) => [c.issuedAccessKeyId!, c.roleArn]));
    expect(owners.get(accessKey(updated.url))).toBe(ROLE_B);
    // A removed integration's URL is not served either.
    r.removeIntegration('b');
    expect(await codeOf(r.presign(CAT, 300, { integration: 'b' }))).toBe('NO_INTEGRATION');
  });

  it('tenants sharing a bucket and prefix each get their own URL', async () => {
    const r = make({
      integrations: [integ('acme-media', ROLE_A, EXT_A, { tenant: 'acme' }), integ('globex-media', ROLE_B, EXT_B, { tenant: 'globex' })],
      presignReuse: { windowSeconds: WINDOW },
    });
    const acme = await r.forTenant('acme').presign(CAT, 300);
    const globex = await r.forTenant('globex').presign(CAT, 300);
    expect(globex.url).not.toBe(acme.url);
    const owners = new Map(fakes.sts.calls.filter((c) => c.issuedAccessKeyId).map((c) => [c.issuedAccessKeyId!, c.roleArn]));
    expect(owners.get(accessKey(acme.url))).toBe(ROLE_A);
    expect(owners.get(accessKey(globex.url))).toBe(ROLE_B);
    clock += 1_000;
    expect((await r.forTenant('acme').presign(CAT, 300)).url).toBe(acme.url);
    expect((await r.forTenant('globex').presign(CAT, 300)).url).toBe(globex.url);
    // The root, which may not use tenant integrations by scope, is not served either.
    expect(await codeOf(r.presign(CAT, 300))).toBe('NO_INTEGRATION');
  });
});

describe('presign reuse keeps the TTL rules', () => {
  it('never outlives the credentials: INVALID_TTL unless clamp, expiresAt truthful', async () => {
    const r = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW } });
    expect(await codeOf(r.presign(CAT, 7 * 24 * 3600))).toBe('INVALID_TTL');
    expect(await codeOf(r.presign(CAT, 7 * 24 * 3600 + 1, { clamp: false }))).toBe('INVALID_TTL');
    const clamped = await r.presign(CAT, 7 * 24 * 3600, { clamp: true });
    const sts = fakes.sts.calls.filter((c) => c.roleArn === ROLE_A && c.outcome === 'issued').at(-1)!;
    expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(sts.expiration!.getTime());
    expect((await fetch(clamped.url)).status).toBe(200);
  });

  it('a TTL close to the credentials’ life: reused only while the URL has that TTL left', async () => {
    // Sessions of one hour: a 3,500 s URL extended to the window end would outlive the session.
    const r = make({ integrations: [integ('a', ROLE_A, EXT_A, { auth: { kind: 'assume-role', roleArn: ROLE_A, externalId: EXT_A, durationSeconds: 3600 } })], presignReuse: { windowSeconds: WINDOW } });
    const first = await r.presign(CAT, 3_500);
    const sts = fakes.sts.calls.filter((c) => c.roleArn === ROLE_A && c.outcome === 'issued').at(-1)!;
    expect(first.expiresAt.getTime()).toBeLessThanOrEqual(sts.expiration!.getTime());
    expect(first.expiresAt.getTime() - clock).toBeGreaterThanOrEqual(3_500_000);
    for (const step of [1_000, 30_000, 60_000, 120_000]) {
      clock = start + step;
      const again = await r.presign(CAT, 3_500);
      expect(again.expiresAt.getTime() - clock, `at +${step} ms`).toBeGreaterThanOrEqual(3_500_000);
      expect(again.expiresAt.getTime()).toBeLessThanOrEqual(Math.max(...fakes.sts.calls.filter((c) => c.roleArn === ROLE_A && c.expiration).map((c) => c.expiration!.getTime())));
      expect((await fetch(again.url)).status).toBe(200);
    }
  });

  it('near the provider maximum the signed TTL stays within it', async () => {
    const r = make({
      integrations: [{ id: 'k', provider: 'aws', scope: { bucket: BUCKET, prefix: 'images', region: 'us-east-1' }, auth: { kind: 'access-key', accessKeyId: 'AKIAREUSESTATIC00001', secretAccessKey: 'reuse-static-secret' } }],
      presignReuse: { windowSeconds: WINDOW },
    });
    const max = 7 * 24 * 3600;
    const nearMax = await r.presign(CAT, max - 60);
    expect(Number(new URL(nearMax.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(max);
    expect(nearMax.expiresAt.getTime() - clock).toBeGreaterThanOrEqual((max - 60) * 1000);
    clock += 30_000;
    expect((await r.presign(CAT, max - 60)).url).toBe(nearMax.url);
    clock += 31_000;
    // Reusing it now would leave less than the asked TTL: a fresh one.
    const fresh = await r.presign(CAT, max - 60);
    expect(fresh.url).not.toBe(nearMax.url);
    expect(fresh.expiresAt.getTime() - clock).toBeGreaterThanOrEqual((max - 60) * 1000);
    const exact = await r.presign(CAT, max);
    expect(Number(new URL(exact.url).searchParams.get('X-Amz-Expires'))).toBe(max);
  });
});

describe('presign reuse memory', () => {
  it('is bounded: the least recently used URL is dropped first', async () => {
    const r = make({ integrations: [integ('a', ROLE_A, EXT_A)], presignReuse: { windowSeconds: WINDOW, maxEntries: 3 } });
    const uris = [1, 2, 3, 4].map((i) => `s3://${BUCKET}/images/${i}.jpg`);
    const first = await r.presign(uris[0]!, 300);
    await r.presign(uris[1]!, 300);
    const third = await r.presign(uris[2]!, 300);
    clock += 1_000;
    expect((await r.presign(uris[0]!, 300)).url).toBe(first.url); // touched: now the newest
    const second = await r.presign(uris[1]!, 300); // signed before: still kept
    await r.presign(uris[3]!, 300); // a fourth entry evicts the least recently used: uris[2]
    clock += 1_000;
    expect((await r.presign(uris[0]!, 300)).url).toBe(first.url);
    expect((await r.presign(uris[1]!, 300)).url).toBe(second.url);
    expect((await r.presign(uris[2]!, 300)).url).not.toBe(third.url);
  });
});
