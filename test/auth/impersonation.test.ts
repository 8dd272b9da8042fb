import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessBoundaryFor, downscopeToken } from '../../src/auth/gcp-access-boundary.js';
import { platformIdentity } from '../../src/auth/gcp-platform-identity.js';
import { generateAccessToken, signBlob } from '../../src/auth/impersonation.js';
import { ServiceAccountKey } from '../../src/auth/service-account-key.js';
import { AssetLinkError } from '../../src/errors.js';
import { SCOPES, startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

const PLATFORM = 'platform@p.iam.gserviceaccount.com';
const TARGET = 'target@c.iam.gserviceaccount.com';
const HOP = 'hop@p.iam.gserviceaccount.com';

let fake: FakeGcp;
let targetKey: ServiceAccountKey;

beforeAll(async () => {
  fake = await startFakeGcp();
  fake.directory.registerToken('platform-token', { principal: PLATFORM });
  targetKey = new ServiceAccountKey({ client_email: TARGET, private_key: fake.directory.addServiceAccount(TARGET).privateKeyPem });
  fake.directory.addServiceAccount(HOP);
  fake.directory.grantTokenCreator(PLATFORM, HOP);
  fake.directory.grantTokenCreator(HOP, TARGET);
});
afterAll(async () => { await fake.close(); });
beforeEach(() => { fake.iam.reset(); fake.sts.reset(); });

const identity = { accessToken: async () => 'platform-token' };
const options = () => ({ iamEndpoint: fake.iam.url, identity, integrationId: 'i', timeoutMs: 5_000 });

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

describe('IAM Credentials calls', () => {
  it('generateAccessToken sends scope, lifetime and delegates as resource names', async () => {
    const minted = await generateAccessToken({ serviceAccount: TARGET, delegates: [HOP] }, { scope: [SCOPES.storageReadOnly], lifetimeSeconds: 900 }, options());
    expect(minted.expiresAt).toBeGreaterThan(Date.now() + 890_000);
    expect(fake.iam.calls[0]).toMatchObject({ caller: PLATFORM, delegates: [HOP], scope: [SCOPES.storageReadOnly], lifetimeSeconds: 900, status: 200 });
    expect(fake.directory.inspectToken(minted.token)?.principal).toBe(TARGET);
  });

  it('maps denial to ACCESS_DENIED, a bad platform token to CREDENTIALS_UNAVAILABLE, 5xx to retryable', async () => {
    const denied = await failure(generateAccessToken({ serviceAccount: TARGET }, { scope: [SCOPES.storageReadOnly], lifetimeSeconds: 60 }, options()));
    expect(denied.code).toBe('ACCESS_DENIED');
    expect(denied.retryable).toBe(false);
    const bad = await failure(generateAccessToken({ serviceAccount: TARGET, delegates: [HOP] }, { scope: [SCOPES.storageReadOnly], lifetimeSeconds: 60 }, {
      ...options(), identity: { accessToken: async () => 'not-a-token' },
    }));
    expect(bad.code).toBe('CREDENTIALS_UNAVAILABLE');
    expect(bad.retryable).toBe(false);
    expect(bad.message).not.toContain('not-a-token');
    fake.iam.injectFault({ status: 503 });
    const flaky = await failure(generateAccessToken({ serviceAccount: TARGET, delegates: [HOP] }, { scope: [SCOPES.storageReadOnly], lifetimeSeconds: 60 }, options()));
    expect(flaky.code).toBe('CREDENTIALS_UNAVAILABLE');
    expect(flaky.retryable).toBe(true);
  });

  it('signBlob returns the service account signature', async () => {
    const signature = await signBlob({ serviceAccount: TARGET, delegates: [HOP] }, 'to be signed', options());
    expect(signature.equals(targetKey.sign('to be signed'))).toBe(true);
  });

  it("google-auth's Impersonated client does not share an in-flight refresh (why assetlink calls IAM itself)", async () => {
    const { Impersonated, OAuth2Client } = await import('google-auth-library');
    const source = new OAuth2Client();
    source.setCredentials({ access_token: 'platform-token', expiry_date: Date.now() + 3_600_000 });
    const client = new Impersonated({
      sourceClient: source, targetPrincipal: TARGET, targetScopes: [SCOPES.storageReadOnly], lifetime: 600, // google-auth passes delegates through as given
      delegates: [`projects/-/serviceAccounts/${HOP}`],
      endpoint: fake.iam.url,
    });
    await Promise.all(Array.from({ length: 10 }, () => client.getAccessToken()));
    // Whatever the exact number, more than one: ten cold callers are not collapsed into one call.
    expect(fake.iam.count('generateAccessToken')).toBeGreaterThan(1);
  });
});

describe('platform identity', () => {
  it('a platform service-account key authenticates to IAM with a self-signed JWT (no token endpoint)', async () => {
    const platformKey = fake.directory.addServiceAccount('keyed-platform@p.iam.gserviceaccount.com');
    fake.directory.grantTokenCreator(platformKey.email, TARGET);
    const keyed = platformIdentity({ credentials: { client_email: platformKey.email, private_key: platformKey.privateKeyPem } }, Date.now);
    const token = await keyed.accessToken();
    expect(await keyed.accessToken()).toBe(token); // reused until close to expiry
    await generateAccessToken({ serviceAccount: TARGET }, { scope: [SCOPES.storageReadOnly], lifetimeSeconds: 60 }, { ...options(), identity: keyed });
    expect(fake.iam.calls[0]).toMatchObject({ caller: platformKey.email, status: 200 });
  });

  it('an auth client is asked for its token each time (it caches itself)', async () => {
    let calls = 0;
    const viaClient = platformIdentity({ authClient: { getAccessToken: async () => { calls++; return { token: 'platform-token' }; } } }, Date.now);
    expect(await viaClient.accessToken()).toBe('platform-token');
    expect(calls).toBe(1);
    const empty = platformIdentity({ authClient: { getAccessToken: async () => ({ token: null }) } }, Date.now);
    expect((await failure(empty.accessToken())).code).toBe('CREDENTIALS_UNAVAILABLE');
  });

  it('without authClient or credentials it falls back to ADC, which fails cleanly offline', async () => {
    const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    try {
      const error = await failure(platformIdentity(undefined, Date.now).accessToken());
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('Application Default Credentials');
    } finally {
      if (saved !== undefined) process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
    }
  });
});

describe('credential access boundary requests', () => {
  it('builds a bucket rule with a segment-aware prefix condition, escaped for CEL', () => {
    expect(accessBoundaryFor({ bucket: 'b' }, 'read-only')).toEqual([{ availableResource: '//storage.googleapis.com/projects/_/buckets/b', availablePermissions: ['inRole:roles/storage.objectViewer'] }]);
    const [rule] = accessBoundaryFor({ bucket: 'b', prefix: "it's" }, 'read-write');
    expect(rule?.availablePermissions).toEqual(['inRole:roles/storage.objectAdmin']);
    expect(rule?.availabilityCondition?.expression).toBe(
      "resource.name.startsWith('projects/_/buckets/b/objects/it\\'s/') || api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('it\\'s/')",
    );
  });

  it('exchanges at STS; the downscoped token never outlives its source', async () => {
    fake.directory.registerToken('source', { principal: TARGET, scopes: [SCOPES.storageReadOnly], expiresAt: Date.now() + 120_000 });
    const result = await downscopeToken({
      stsEndpoint: fake.sts.url, token: 'source', tokenExpiresAt: Date.now() + 120_000, rules: accessBoundaryFor({ bucket: 'b', prefix: 'p' }, 'read-only'),
      integrationId: 'i', timeoutMs: 5_000, now: Date.now(),
    });
    expect(result.expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);
    expect(fake.directory.inspectToken(result.token)).toMatchObject({ principal: TARGET, origin: 'sts' });
    expect(fake.sts.calls[0]?.rules?.[0]?.availableResource).toBe('//storage.googleapis.com/projects/_/buckets/b');
  });
});
