import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, generateSetup, type AssetResolver, type Integration } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/**
 * `{ kind: 'anonymous' }`: unsigned requests to public buckets, always read-only, presign returns
 * the plain URL, and never any identity — not the platform's, not the environment's — even when a
 * private bucket refuses.
 */

async function failure(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) { expect(error).toBeInstanceOf(AssetLinkError); return error as AssetLinkError; }
  throw new Error('expected a failure');
}

const resolvers: AssetResolver[] = [];
afterAll(async () => { for (const r of resolvers) await r.close(); });

describe('S3 anonymous', () => {
  let fakes: AwsFakes;
  let resolver: AssetResolver;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    fakes = await startAwsFakes({ buckets: [{ name: 'public-data', ownerAccountId: '333333333333' }, { name: 'private-data', ownerAccountId: '333333333333' }] });
    fakes.s3.setBucketPolicy('public-data', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::public-data/*'] } as never],
    });
    // The platform identity can read the private bucket: a fallback to it would succeed.
    fakes.s3.setBucketPolicy('private-data', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: fakes.platformPrincipalArn }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::private-data', 'arn:aws:s3:::private-data/*'] } as never],
    });
    await fakes.s3.putObject('public-data', 'images/cat.jpg', 'meow');
    await fakes.s3.putObject('private-data', 'images/cat.jpg', 'secret meow');
    // The environment holds working platform keys too: the SDK's default chain would find them.
    process.env.AWS_ACCESS_KEY_ID = fakes.platform.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = fakes.platform.credentials.secretAccessKey;
    resolver = createAssetResolver({
      // No platform.aws.credentials: the default chain (environment) is what a fallback would use.
      platform: { aws: { endpoint: fakes.platform.endpoint, forcePathStyle: true, region: 'us-east-1', stsEndpoint: fakes.platform.stsEndpoint } },
      integrations: [
        { id: 'public', provider: 'aws', scope: { bucket: 'public-data', prefix: 'images', region: 'us-east-1' }, auth: { kind: 'anonymous' } },
        { id: 'private', provider: 'aws', scope: { bucket: 'private-data' }, auth: { kind: 'anonymous' } },
        { id: 'platform', provider: 'aws', scope: { bucket: 'private-data', prefix: 'other' }, auth: { kind: 'cross-account' } },
      ],
    });
    resolvers.push(resolver);
  });
  afterAll(async () => {
    if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID; else process.env.AWS_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY; else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    await fakes?.close();
  });
  beforeEach(() => { fakes.s3.requests.length = 0; });

  it('reads a public object with unsigned requests', async () => {
    const asset = await resolver.resolveAsset('s3://public-data/images/cat.jpg');
    expect(asset.mode).toBe('read-only');
    expect(new TextDecoder().decode(await asset.bytes())).toBe('meow');
    expect((await asset.head()).size).toBe(4);
    expect(fakes.s3.requests.length).toBeGreaterThan(0);
    expect(fakes.s3.requests.every((r) => r.anonymous === true && r.accessKeyId === undefined)).toBe(true);
  });

  it('a private bucket is ACCESS_DENIED, never retried with an identity (environment keys included)', async () => {
    const asset = await resolver.resolveAsset('s3://private-data/images/cat.jpg');
    expect((await failure(asset.bytes())).code).toBe('ACCESS_DENIED');
    expect((await failure(asset.head())).code).toBe('ACCESS_DENIED');
    expect(fakes.s3.requests.length).toBeGreaterThan(0);
    // Every request, region discovery included, went out unsigned; none carried a key.
    expect(fakes.s3.requests.every((r) => r.anonymous === true && r.accessKeyId === undefined)).toBe(true);
    expect(fakes.s3.requests.filter((r) => r.status === 200)).toHaveLength(0);
    expect(fakes.sts.requestCount).toBe(0);
  });

  it('presign returns the plain object URL (no signature), expiresAt = the requested TTL; PUT is READ_ONLY', async () => {
    const before = Date.now();
    const url = await resolver.presign('s3://public-data/images/cat.jpg', 600);
    expect(url.url).toBe(`${fakes.platform.endpoint}/public-data/images/cat.jpg`);
    expect(url.url).not.toMatch(/X-Amz-|Signature|Credential/);
    expect(url.headers).toEqual({});
    expect(url.expiresAt.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 + 600_000);
    expect(url.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 600_000);
    const served = await fetch(url.url);
    expect(await served.text()).toBe('meow');
    expect((await failure(resolver.presign('s3://public-data/images/cat.jpg', 8 * 24 * 3600))).code).toBe('INVALID_TTL');
    expect((await failure(resolver.presign('s3://public-data/images/cat.jpg', 60, { method: 'PUT' }))).code).toBe('READ_ONLY');
  });

  it('writes are READ_ONLY before any request', async () => {
    const asset = await resolver.resolveAsset('s3://public-data/images/cat.jpg');
    expect((await failure(asset.write('x'))).code).toBe('READ_ONLY');
    expect((await failure(asset.delete())).code).toBe('READ_ONLY');
    expect(fakes.s3.requests).toHaveLength(0);
  });

  it('the fake refuses unsigned writes, ListBuckets and reads the policy does not grant', async () => {
    const put = await fetch(`${fakes.platform.endpoint}/public-data/images/dog.jpg`, { method: 'PUT', body: 'woof' });
    expect(put.status).toBe(403);
    expect((await fetch(`${fakes.platform.endpoint}/`)).status).toBe(403);
    expect((await fetch(`${fakes.platform.endpoint}/public-data?list-type=2`)).status).toBe(403);
  });

  it('the generated public-read bucket policy, applied to the fake, serves the prefix anonymously and nothing else', async () => {
    const plan = generateSetup({ id: 'pub', provider: 'aws', scope: { bucket: 'private-data', prefix: 'images' }, auth: { kind: 'anonymous' } });
    const step = plan.steps.find((s) => s.id === 'aws.public-bucket-policy')!;
    expect(step.apply).toContain('put-bucket-policy');
    fakes.s3.setBucketPolicy('private-data', step.document as never);
    await fakes.s3.putObject('private-data', 'images-old/x.jpg', 'old');
    try {
      expect((await fetch(`${fakes.platform.endpoint}/private-data/images/cat.jpg`)).status).toBe(200);
      expect((await fetch(`${fakes.platform.endpoint}/private-data/images-old/x.jpg`)).status).toBe(403);
      expect((await fetch(`${fakes.platform.endpoint}/private-data/images/new.jpg`, { method: 'PUT', body: 'x' })).status).toBe(403);
    } finally {
      fakes.s3.setBucketPolicy('private-data', {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: fakes.platformPrincipalArn }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::private-data', 'arn:aws:s3:::private-data/*'] } as never],
      });
    }
  });

  it('verify says the integration is anonymous', async () => {
    expect(JSON.stringify(await resolver.verify('public'))).toContain('anonymous');
  });
});

describe('GCS anonymous', () => {
  const PLATFORM = 'platform@p.iam.gserviceaccount.com';
  let fake: FakeGcp;
  let resolver: AssetResolver;
  let platformCalls = 0;

  beforeAll(async () => {
    fake = await startFakeGcp();
    fake.directory.registerToken('platform-token', { principal: PLATFORM });
    fake.gcs.createBucket('gcs-public', { iam: { allUsers: 'roles/storage.objectViewer' } });
    fake.gcs.createBucket('gcs-private', { iam: { [PLATFORM]: 'roles/storage.objectAdmin' } });
    fake.gcs.putObject('gcs-public', 'a/b c.txt', 'public text');
    fake.gcs.putObject('gcs-private', 'a/b.txt', 'private text');
    resolver = createAssetResolver({
      platform: { gcp: { authClient: { getAccessToken: async () => { platformCalls += 1; return { token: 'platform-token' }; } }, ...fake.endpoints, maxRetries: 0 } },
      integrations: [
        { id: 'gpub', provider: 'gcp', scope: { bucket: 'gcs-public' }, auth: { kind: 'anonymous' } },
        { id: 'gpriv', provider: 'gcp', scope: { bucket: 'gcs-private' }, auth: { kind: 'anonymous' } },
      ],
    });
    resolvers.push(resolver);
  });
  afterAll(async () => { await fake?.close(); });
  beforeEach(() => { fake.gcs.requests.length = 0; });
  afterEach(() => { expect(platformCalls).toBe(0); expect(fake.sts.calls).toHaveLength(0); expect(fake.iam.calls).toHaveLength(0); });

  it('reads a public object without any Authorization header', async () => {
    const asset = await resolver.resolveAsset('gs://gcs-public/a/b c.txt');
    expect(new TextDecoder().decode(await asset.bytes())).toBe('public text');
    expect((await asset.head()).size).toBe(11);
    expect(fake.gcs.requests.length).toBeGreaterThan(0);
    expect(fake.gcs.requests.every((r) => !r.authorized && r.principal === 'allUsers')).toBe(true);
  });

  it('a private bucket is ACCESS_DENIED with no retry under another identity', async () => {
    const asset = await resolver.resolveAsset('gs://gcs-private/a/b.txt');
    expect((await failure(asset.bytes())).code).toBe('ACCESS_DENIED');
    expect((await failure(asset.head())).code).toBe('ACCESS_DENIED');
    expect(fake.gcs.requests.length).toBeGreaterThan(0);
    expect(fake.gcs.requests.every((r) => !r.authorized)).toBe(true);
  });

  it('presign returns the public XML URL, which the fake serves only for allUsers buckets', async () => {
    const url = await resolver.presign('gs://gcs-public/a/b c.txt', 300);
    expect(url.url).toBe(`${fake.gcs.url}/gcs-public/a/b%20c.txt`);
    expect(url.url).not.toMatch(/X-Goog-/);
    expect(await (await fetch(url.url)).text()).toBe('public text');
    const privateUrl = await resolver.presign('gs://gcs-private/a/b.txt', 300);
    expect((await fetch(privateUrl.url)).status).toBe(403);
    expect((await failure(resolver.presign('gs://gcs-public/a/b c.txt', 60, { method: 'PUT' }))).code).toBe('READ_ONLY');
  });
});

describe('anonymous validation and setup', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['aws', { provider: 'aws', scope: { bucket: 'public-data' } }],
    ['gcp', { provider: 'gcp', scope: { bucket: 'gcs-public' } }],
  ];
  for (const [name, shape] of cases) {
    it(`${name}: read-write is INVALID_INTEGRATION naming mode and the integration`, () => {
      const r = createAssetResolver();
      resolvers.push(r);
      let error: unknown;
      try { r.addIntegration({ id: `anon-${name}`, mode: 'read-write', ...shape, auth: { kind: 'anonymous' } } as unknown as Integration); } catch (e) { error = e; }
      expect((error as AssetLinkError).code).toBe('INVALID_INTEGRATION');
      expect((error as { field: string }).field).toBe('mode');
      expect((error as AssetLinkError).integrationId).toBe(`anon-${name}`);
    });
  }

  it('gcp setup makes the bucket readable by allUsers', () => {
    const plan = generateSetup({ id: 'g', provider: 'gcp', scope: { bucket: 'gcs-public' }, auth: { kind: 'anonymous' } });
    expect(plan.steps[0]!.text).toContain('--member=allUsers');
    expect(plan.steps[0]!.text).toContain('--role=roles/storage.objectViewer');
  });
});
