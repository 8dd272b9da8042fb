import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type AssetResolver, type AwsRefreshedAccessKey, type Integration } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * STS keys handed over by a customer (`access-key` + `sessionToken` + `expiresAt`, optionally
 * `refresh`): fail fast once expired with no request sent, presigned URLs bounded by the key's
 * expiry, refresh through the credential cache (single flight, ahead of expiry, after rejection).
 */

const ACCOUNT = '222222222222';
const BUCKET = 'sts-bucket';

let fakes: AwsFakes;
let clock: number;
const resolvers: AssetResolver[] = [];

function issue(lifetimeMs: number): AwsRefreshedAccessKey {
  const entry = fakes.keyring.issueSession({ accountId: ACCOUNT, principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/customer/dataloop`, expiresAt: Date.now() + lifetimeMs, policies: [] });
  return { accessKeyId: entry.accessKeyId, secretAccessKey: entry.secretAccessKey, sessionToken: entry.sessionToken!, expiresAt: new Date(clock + lifetimeMs) };
}

function resolverWith(auth: Record<string, unknown>, id = 'sts'): AssetResolver {
  const resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    now: () => clock,
    integrations: [{ id, provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth } as unknown as Integration],
  });
  resolvers.push(resolver);
  return resolver;
}

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  fakes = await startAwsFakes({ buckets: [{ name: BUCKET, ownerAccountId: ACCOUNT }] });
  await fakes.s3.putObject(BUCKET, 'a.txt', 'hello');
});
afterAll(async () => {
  for (const r of resolvers) await r.close();
  await fakes?.close();
});
beforeEach(() => { clock = Date.now(); });

describe('access-key with sessionToken and expiresAt', () => {
  it('works until expiresAt, then fails with CREDENTIALS_UNAVAILABLE naming the expiry, before any request', async () => {
    const key = issue(3_600_000);
    const resolver = resolverWith({ kind: 'access-key', ...key });
    const asset = await resolver.resolveAsset(`s3://${BUCKET}/a.txt`);
    expect(new TextDecoder().decode(await asset.bytes())).toBe('hello');

    clock = key.expiresAt.getTime() + 1;
    const before = fakes.s3.requests.length;
    for (const attempt of [asset.head(), asset.bytes(), asset.presign({ ttlSeconds: 60 })]) {
      const error = await failure(attempt);
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.message).toContain(key.expiresAt.toISOString());
      expect(error.integrationId).toBe('sts');
      expect(error.message).not.toContain(key.secretAccessKey);
      expect(error.message).not.toContain(key.sessionToken);
    }
    const report = JSON.stringify(await resolver.verify('sts'));
    expect(report).toContain('CREDENTIALS_UNAVAILABLE');
    expect(report).toContain(key.expiresAt.toISOString());
    // Not one request left the process with the expired key.
    expect(fakes.s3.requests.length).toBe(before);
  });

  it('an already expired key sends nothing even on a cold resolver (region discovery included)', async () => {
    const key = issue(3_600_000);
    const resolver = createAssetResolver({
      platform: { aws: fakes.platform }, now: () => clock,
      integrations: [{ id: 'cold', provider: 'aws', scope: { bucket: BUCKET }, auth: { kind: 'access-key', ...key } }],
    });
    resolvers.push(resolver);
    clock = key.expiresAt.getTime();
    const before = fakes.s3.requests.length;
    const error = await failure((await resolver.resolveAsset(`s3://${BUCKET}/a.txt`)).head());
    expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
    expect(fakes.s3.requests.length).toBe(before);
  });

  it('presigned URLs never outlive the key: longer TTL is INVALID_TTL, clamp ends at expiresAt', async () => {
    const key = issue(600_000);
    const resolver = resolverWith({ kind: 'access-key', ...key });
    expect((await failure(resolver.presign(`s3://${BUCKET}/a.txt`, 3600))).code).toBe('INVALID_TTL');
    const clamped = await resolver.presign(`s3://${BUCKET}/a.txt`, 3600, { clamp: true });
    expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(key.expiresAt.getTime());
    expect(clamped.expiresAt.getTime()).toBeGreaterThan(key.expiresAt.getTime() - 2_000);
    const ok = await resolver.presign(`s3://${BUCKET}/a.txt`, 60);
    expect(new URL(ok.url).searchParams.get('X-Amz-Security-Token')).toBe(key.sessionToken);
    const served = await fetch(ok.url);
    expect(served.status).toBe(200);
    expect(await served.text()).toBe('hello');
  });

  it('verify reports the key expiry', async () => {
    const key = issue(3_600_000);
    const resolver = resolverWith({ kind: 'access-key', ...key });
    const report = await resolver.verify('sts');
    expect(JSON.stringify(report)).toContain(key.expiresAt.toISOString());
  });
});

describe('access-key with a refresh callback', () => {
  it('refreshes once for many concurrent callers after expiry, and uses the new key', async () => {
    const first = issue(3_600_000);
    const next: AwsRefreshedAccessKey[] = [];
    let calls = 0;
    const refresh = async (): Promise<AwsRefreshedAccessKey> => {
      calls += 1;
      await new Promise((r) => setTimeout(r, 20));
      const key = issue(3_600_000);
      key.expiresAt = new Date(clock + 3_600_000);
      next.push(key);
      return key;
    };
    const resolver = resolverWith({ kind: 'access-key', ...first, refresh });
    const asset = await resolver.resolveAsset(`s3://${BUCKET}/a.txt`);
    await asset.head();
    expect(calls).toBe(0);

    clock = first.expiresAt.getTime() + 1_000;
    const before = fakes.s3.requests.length;
    await Promise.all(Array.from({ length: 10 }, () => asset.head()));
    expect(calls).toBe(1);
    const used = new Set(fakes.s3.requests.slice(before).map((r) => r.accessKeyId));
    expect([...used]).toEqual([next[0]!.accessKeyId]);
  });

  it('refreshes ahead of expiry in the background, serving the current key meanwhile', async () => {
    const first = issue(3_600_000);
    let calls = 0;
    const refresh = async (): Promise<AwsRefreshedAccessKey> => { calls += 1; await new Promise((r) => setTimeout(r, 200)); return issue(3_600_000); };
    const resolver = resolverWith({ kind: 'access-key', ...first, refresh });
    const asset = await resolver.resolveAsset(`s3://${BUCKET}/a.txt`);
    await asset.head();
    // Inside the default 300 s refresh window: served with the old key, one refresh behind it.
    clock = first.expiresAt.getTime() - 60_000;
    const before = fakes.s3.requests.length;
    await Promise.all([asset.head(), asset.head(), asset.head()]);
    expect(fakes.s3.requests.slice(before).every((r) => r.accessKeyId === first.accessKeyId)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls).toBe(1);
  });

  it('a key AWS rejects (revoked) is replaced through refresh and the call succeeds', async () => {
    const first = issue(3_600_000);
    let calls = 0;
    const refresh = async (): Promise<AwsRefreshedAccessKey> => { calls += 1; return issue(3_600_000); };
    const resolver = resolverWith({ kind: 'access-key', ...first, refresh });
    const asset = await resolver.resolveAsset(`s3://${BUCKET}/a.txt`);
    fakes.keyring.revoke(first.accessKeyId);
    expect(new TextDecoder().decode(await asset.bytes())).toBe('hello');
    expect(calls).toBe(1);
  });

  it('a refresh that fails or returns an unusable key is CREDENTIALS_UNAVAILABLE, never a stale key', async () => {
    const first = issue(60_000);
    const bad: Array<() => Promise<unknown>> = [
      async () => { throw Object.assign(new Error(`vault said ${first.secretAccessKey}`), { code: 'EVAULT' }); },
      async () => ({ accessKeyId: 'ASIAX', secretAccessKey: 's' }),
      async () => ({ ...issue(60_000), expiresAt: new Date(clock - 1) }),
      async () => null,
    ];
    for (const [n, refresh] of bad.entries()) {
      const resolver = resolverWith({ kind: 'access-key', ...first, refresh }, `bad-${n}`);
      clock = first.expiresAt.getTime() + 1;
      const before = fakes.s3.requests.length;
      const error = await failure((await resolver.resolveAsset(`s3://${BUCKET}/a.txt`)).head());
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.integrationId).toBe(`bad-${n}`);
      expect(error.message).not.toContain(first.secretAccessKey);
      expect(fakes.s3.requests.length).toBe(before);
      clock = Date.now();
    }
  });
});

describe('validation', () => {
  const base = { id: 'v', provider: 'aws', scope: { bucket: BUCKET } } as const;
  const key = { kind: 'access-key', accessKeyId: 'ASIAVALIDATION000001', secretAccessKey: 's', sessionToken: 't' } as const;
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['expiresAt not a Date', { ...key, expiresAt: '2030-01-01T00:00:00Z' }, 'auth.expiresAt'],
    ['expiresAt an invalid Date', { ...key, expiresAt: new Date('nope') }, 'auth.expiresAt'],
    ['expiresAt in the past', { ...key, expiresAt: new Date(Date.now() - 1000) }, 'auth.expiresAt'],
    ['refresh not a function', { ...key, expiresAt: new Date(Date.now() + 60_000), refresh: 'https://vault' }, 'auth.refresh'],
  ];
  for (const [name, auth, field] of cases) {
    it(`${name} → INVALID_INTEGRATION naming ${field} and the integration`, () => {
      const resolver = createAssetResolver();
      resolvers.push(resolver);
      let error: unknown;
      try { resolver.addIntegration({ ...base, auth } as unknown as Integration); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(AssetLinkError);
      expect((error as AssetLinkError).code).toBe('INVALID_INTEGRATION');
      expect((error as { field?: string }).field).toBe(field);
      expect((error as AssetLinkError).integrationId).toBe('v');
      expect((error as Error).message).toContain('"v"');
    });
  }

  it('an expired key with a refresh callback is accepted (refresh fetches the first usable key); the Date is copied', () => {
    const resolver = createAssetResolver();
    resolvers.push(resolver);
    const expiresAt = new Date(Date.now() - 1000);
    resolver.addIntegration({ ...base, auth: { ...key, expiresAt, refresh: async () => issue(60_000) } });
    expiresAt.setTime(0);
    expect(resolver.integration('v')).toBeDefined();
  });
});
