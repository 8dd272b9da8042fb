import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import { retrying, wasRetried } from '../../src/cache/backoff.js';
import { CredentialsUnavailableError } from '../../src/errors.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { BUCKET, startGcpWorld, type GcpWorld } from '../resolvers/gcp-fixture.js';
import { failure } from '../helpers/failure.js';
import { seededRandom } from '../helpers/prng.js';

/**
 * Issue 13 item 12: every token-service and signing call gets the same bounded, jittered retry
 * for transient failures (429, 5xx, resets, timeouts), inside the caller's signal, and exactly one
 * retry layer: IAM signBlob (per presign, nothing caches a signature), and through the credential
 * cache AWS STS AssumeRole, IAM generateAccessToken + Google STS, Entra tokens and Azure user
 * delegation keys. A refusal (403) is never retried.
 */

describe('retrying (cache/backoff.ts)', () => {
  const transient = (): CredentialsUnavailableError => new CredentialsUnavailableError('busy', { retryable: true });
  const noSleep = async (): Promise<void> => undefined;

  it('retries transient failures up to the policy, then gives up marked as retried', async () => {
    let calls = 0;
    const error = await retrying(async () => { calls++; throw transient(); }, { isRetryable: () => true, sleep: noSleep }).catch((e: unknown) => e);
    expect(calls).toBe(3);
    expect(wasRetried(error)).toBe(true);
    // An outer loop does not retry what an inner one already retried: the layers never multiply.
    let outer = 0;
    await retrying(async () => { outer++; throw error; }, { isRetryable: () => true, sleep: noSleep }).catch(() => undefined);
    expect(outer).toBe(1);
  });

  it('does not retry what is not transient', async () => {
    let calls = 0;
    await retrying(async () => { calls++; throw new Error('refused'); }, { isRetryable: () => false, sleep: noSleep }).catch(() => undefined);
    expect(calls).toBe(1);
  });

  it('stops at the caller signal, even in the middle of a backoff', async () => {
    const controller = new AbortController();
    let calls = 0;
    const started = Date.now();
    const pending = retrying(async () => { calls++; throw transient(); }, {
      isRetryable: () => true, signal: controller.signal, policy: { attempts: 5, baseDelayMs: 60_000, maxDelayMs: 60_000 }, random: () => 0.99,
    });
    setTimeout(() => controller.abort(), 50);
    await pending.catch(() => undefined);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('starts no attempt past the caller deadline', async () => {
    let now = 0;
    let calls = 0;
    await retrying(async () => { calls++; now += 1_000; throw transient(); }, {
      isRetryable: () => true, deadline: 1_020, now: () => now, sleep: noSleep, random: () => 0.5, policy: { attempts: 10, baseDelayMs: 100, maxDelayMs: 100 },
    }).catch(() => undefined);
    expect(calls).toBe(1);
  });

  it('succeeds as soon as an attempt does', async () => {
    let calls = 0;
    expect(await retrying(async () => { calls++; if (calls < 3) throw transient(); return 'ok'; }, { isRetryable: () => true, sleep: noSleep })).toBe('ok');
    expect(calls).toBe(3);
  });
});

describe('GCP: IAM signBlob (impersonated presigns)', () => {
  let world: GcpWorld;
  let resolver: AssetResolver;
  beforeAll(async () => {
    world = await startGcpWorld();
    // A generous per-request timeout: the soak runs 25 presigns at a time on a shared machine, and
    // only the injected faults should fail attempts.
    resolver = world.resolver({ requestTimeoutMs: 10_000 });
    await resolver.presign(`gs://${BUCKET}/datasets/warm.jpg`, 600);
  });
  afterAll(async () => { world.fake.iam.clearFaults(); await world?.close(); });
  const signBlobs = (): number => world.fake.iam.requestCount;

  it('soak: 1,000 presigns with 5% signBlob faults (429, 503, reset) → no failure, each URL at most 3 attempts', async () => {
    const random = seededRandom(0x5137);
    const kinds = [{ status: 429 }, { status: 503 }, { status: 500 }, { reset: true }] as const;
    let injected = 0;
    world.fake.iam.setFaultPolicy((_req, url) => {
      if (!url.pathname.endsWith(':signBlob') || random() >= 0.05) return undefined;
      injected++;
      return { ...kinds[Math.floor(random() * kinds.length)]! };
    });
    const before = signBlobs();
    const failures: string[] = [];
    try {
      for (let batch = 0; batch < 40; batch++) {
        const results = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => resolver.presign(`gs://${BUCKET}/datasets/soak/${batch}-${i}.jpg`, 600)));
        for (const r of results) if (r.status === 'rejected') failures.push(`${String((r.reason as { code?: string }).code)} ${String((r.reason as Error).message)}`);
      }
    } finally {
      world.fake.iam.clearFaults();
    }
    const requests = signBlobs() - before;
    console.info(`[reliability] signBlob soak: 1000 presigns, ${injected} faults injected, ${requests} signBlob requests, ${failures.length} failures`);
    expect(injected).toBeGreaterThan(20);
    expect(failures).toEqual([]);
    expect(requests).toBe(1000 + injected);
  }, 120_000);

  it('a refusal (403) is not retried: ACCESS_DENIED after one request', async () => {
    world.fake.iam.injectFault({ status: 403, pathIncludes: ':signBlob' });
    const before = signBlobs();
    const error = await failure(resolver.presign(`gs://${BUCKET}/datasets/refused.jpg`, 600));
    expect(error.code).toBe('ACCESS_DENIED');
    expect(signBlobs() - before).toBe(1);
  });

  it('a signBlob that keeps failing gives up after 3 attempts with a retryable error', async () => {
    world.fake.iam.injectFault({ status: 503, pathIncludes: ':signBlob', times: 10 });
    const before = signBlobs();
    try {
      const error = await failure(resolver.presign(`gs://${BUCKET}/datasets/down.jpg`, 600));
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(signBlobs() - before).toBe(3);
    } finally {
      world.fake.iam.clearFaults();
    }
  });

  it('a signBlob that never answers ends after 3 timed-out attempts with a typed, retryable error (no hang)', async () => {
    const quick = world.resolver({ requestTimeoutMs: 500 });
    world.fake.iam.injectFault({ delayMs: 4_000, pathIncludes: ':signBlob', times: 3 });
    const before = signBlobs();
    try {
      const error = await failure(quick.presign(`gs://${BUCKET}/datasets/hung.jpg`, 600));
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(signBlobs() - before).toBe(3);
    } finally {
      world.fake.iam.clearFaults();
    }
  });

  it('a hung signBlob costs one request timeout per attempt, then the next attempt succeeds', async () => {
    const quick = world.resolver({ requestTimeoutMs: 1_000 });
    world.fake.iam.injectFault({ delayMs: 5_000, pathIncludes: ':signBlob' });
    const before = signBlobs();
    const url = await quick.presign(`gs://${BUCKET}/datasets/slow.jpg`, 600);
    expect(url.url).toContain('X-Goog-Signature=');
    expect(signBlobs() - before).toBe(2);
  });
});

describe('GCP: the platform identity behind IAM calls', () => {
  it('a transient failure of the platform token (503, reset) is retried; a refusal is not', async () => {
    const world = await startGcpWorld();
    try {
      let calls = 0;
      let failWith: unknown[] = [];
      const authClient = {
        getAccessToken: async () => {
          calls++;
          const next = failWith.shift();
          if (next) throw next;
          return { token: 'platform-token-canary-5f0c' };
        },
      };
      const resolver = world.resolver({ platform: { gcp: { ...world.platform.gcp, authClient } } });
      failWith = [Object.assign(new Error('backend'), { status: 503 }), Object.assign(new Error('reset'), { code: 'ECONNRESET' })];
      expect((await resolver.presign(`gs://${BUCKET}/datasets/p.jpg`, 60)).url).toContain('X-Goog-Signature=');
      expect(calls).toBe(3);
      calls = 0;
      failWith = [Object.assign(new Error('invalid_grant'), { status: 400 }), Object.assign(new Error('invalid_grant'), { status: 400 })];
      expect((await failure(resolver.presign(`gs://${BUCKET}/datasets/q.jpg`, 60))).retryable).toBe(false);
      expect(calls).toBe(1);
    } finally {
      await world.close();
    }
  });
});

describe('Azure: Entra tokens and user delegation keys', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
  const ACCOUNT = 'retrydata';
  let env: AzureTestEnvironment;
  const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'retry-secret' } as const;
  const make = (): AssetResolver => createAssetResolver({
    platform: { azure: env.platform },
    integrations: [{ id: 'az', provider: 'azure', scope: { account: ACCOUNT, container: 'things' }, auth }],
  });
  const uri = `https://${ACCOUNT}.blob.core.windows.net/things/a.txt`;
  beforeAll(async () => {
    env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/things`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: auth.clientSecret }] });
  });
  afterAll(async () => { env.azurite.clearFaults(); await env?.close(); });

  it('Get User Delegation Key: 503 then reset are retried (3 requests in all), then the presign succeeds', async () => {
    const resolver = make();
    try {
      env.azurite.injectFault({ status: 503, comp: 'userdelegationkey' });
      env.azurite.injectFault({ reset: true, comp: 'userdelegationkey' });
      const before = env.azurite.userDelegationKeyRequests;
      const url = await resolver.presign(uri, 300);
      expect(new URL(url.url).searchParams.get('sp')).toBe('r');
      expect(env.azurite.userDelegationKeyRequests - before).toBe(3);
    } finally {
      env.azurite.clearFaults();
      await resolver.close();
    }
  });

  it('Get User Delegation Key refused (403) is ACCESS_DENIED after one request', async () => {
    const resolver = make();
    try {
      env.azurite.injectFault({ status: 403, comp: 'userdelegationkey', times: 5 });
      const before = env.azurite.userDelegationKeyRequests;
      expect((await failure(resolver.presign(uri, 300))).code).toBe('ACCESS_DENIED');
      expect(env.azurite.userDelegationKeyRequests - before).toBe(1);
    } finally {
      env.azurite.clearFaults();
      await resolver.close();
    }
  });

  it('a key service that keeps failing: 3 requests, never 9 (no SDK retry layer under the cache)', async () => {
    const resolver = make();
    try {
      env.azurite.injectFault({ status: 500, comp: 'userdelegationkey', times: 20 });
      const before = env.azurite.userDelegationKeyRequests;
      const error = await failure(resolver.presign(uri, 300));
      expect(error.retryable).toBe(true);
      expect(env.azurite.userDelegationKeyRequests - before).toBe(3);
    } finally {
      env.azurite.clearFaults();
      await resolver.close();
    }
  });

  it('Entra failing for good: 3 token requests and no key request, not 3 × 3', async () => {
    const resolver = make();
    try {
      env.entra.injectFault({ status: 503, times: 20 });
      const tokens = env.entra.tokenCallsFor(APP);
      const keys = env.azurite.userDelegationKeyRequests;
      const error = await failure(resolver.presign(uri, 300));
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(env.entra.tokenCallsFor(APP) - tokens).toBe(3);
      expect(env.azurite.userDelegationKeyRequests - keys).toBe(0);
    } finally {
      env.entra.clearFaults();
      await resolver.close();
    }
  });
});

describe('AWS: STS AssumeRole (one attempt per SDK call, retried by the credential cache only)', () => {
  const ROLE = 'arn:aws:iam::111111111111:role/retry-role';
  const EXTERNAL_ID = 'retry-external-id-0123456789';
  let fakes: AwsFakes;
  beforeAll(async () => {
    fakes = await startAwsFakes({ buckets: ['retry-bucket'], roles: [{ roleArn: ROLE, externalId: EXTERNAL_ID }] });
  });
  afterAll(async () => { await fakes?.close(); });
  const make = (externalId = EXTERNAL_ID): AssetResolver => createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [{ id: 'r', provider: 'aws', scope: { bucket: 'retry-bucket' }, auth: { kind: 'assume-role', roleArn: ROLE, externalId } }],
  });

  it('throttling and a 5xx are retried: 3 STS requests, then the presign succeeds', async () => {
    const resolver = make();
    try {
      fakes.sts.injectFault({ type: 'throttle' });
      fakes.sts.injectFault({ type: 'server-error' });
      const before = fakes.sts.requestCount;
      await resolver.presign('s3://retry-bucket/a.txt', 60);
      expect(fakes.sts.requestCount - before).toBe(3);
    } finally {
      fakes.sts.clearFaults();
      await resolver.close();
    }
  });

  it("verify's GetCallerIdentity (access keys) is retried like the other token-service calls", async () => {
    fakes.keyring.addStaticKey({ accessKeyId: 'AKIARETRYSTATIC00001', secretAccessKey: 'retry-static-secret', accountId: '111111111111' });
    const resolver = createAssetResolver({
      platform: { aws: fakes.platform },
      integrations: [{ id: 'k', provider: 'aws', scope: { bucket: 'retry-bucket' }, auth: { kind: 'access-key', accessKeyId: 'AKIARETRYSTATIC00001', secretAccessKey: 'retry-static-secret' } }],
    });
    try {
      fakes.sts.injectFault({ type: 'throttle' });
      const before = fakes.sts.requestCount;
      const report = await resolver.verify('k');
      expect(report.checks.find((c) => c.name === 'credentials')).toMatchObject({ status: 'pass' });
      expect(fakes.sts.requestCount - before).toBe(2);
    } finally {
      fakes.sts.clearFaults();
      await resolver.close();
    }
  });

  it('a refusal (wrong ExternalId) is not retried', async () => {
    const resolver = make('wrong-external-id-000000000');
    try {
      const before = fakes.sts.requestCount;
      expect((await failure(resolver.presign('s3://retry-bucket/a.txt', 60))).code).toBe('ACCESS_DENIED');
      expect(fakes.sts.requestCount - before).toBe(1);
    } finally {
      await resolver.close();
    }
  });
});
