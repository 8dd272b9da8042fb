import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, validateIntegration, type AwsIntegration, type Integration } from '../../src/index.js';
import { IntegrationRegistry } from '../../src/integrations/registry.js';
import { RegisteredIntegration } from '../../src/integrations/registered.js';
import { parseAssetUri } from '../../src/uri/index.js';
import { startAwsFakes, type AwsFakes, type PolicyDocument } from '../../src/testing/aws/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/**
 * Wildcard scopes (AWS/GCP `bucket: '*'`, Azure without `container`): tenant-bound, matched only in
 * their tenant's view, credentials minted and downscoped per bucket actually used.
 */

const CUSTOMER = '333333333333';
const ROLE = `arn:aws:iam::${CUSTOMER}:role/ScaleAI-Integration`;
const EXTERNAL_ID = 'scale-wildcard-external-id';

const wildcardAws: AwsIntegration = {
  id: 'scale-any-bucket', tenant: 'scale', provider: 'aws', scope: { bucket: '*', region: 'us-east-1' },
  auth: { kind: 'assume-role', roleArn: ROLE, externalId: EXTERNAL_ID },
};

describe('validation', () => {
  it('a wildcard scope without tenant is INVALID_INTEGRATION naming the tenant field', () => {
    const cases: Integration[] = [
      { ...wildcardAws, tenant: undefined } as unknown as Integration,
      { id: 'g', provider: 'gcp', scope: { bucket: '*' }, auth: { kind: 'impersonation', serviceAccount: 'r@p.iam.gserviceaccount.com' } },
      { id: 'z', provider: 'azure', scope: { account: 'acct' }, auth: { kind: 'client-secret', tenantId: 'contoso.onmicrosoft.com', clientId: '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e', clientSecret: 's' } },
    ];
    for (const integration of cases) {
      expect(() => validateIntegration(integration), integration.id).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'tenant' }));
      expect(() => createAssetResolver({ integrations: [integration] }), integration.id).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION' }));
    }
  });

  it('cross-account (the platform’s own identity) can never be a wildcard, even with a tenant', () => {
    expect(() => validateIntegration({ ...wildcardAws, auth: { kind: 'cross-account' } })).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'scope.bucket' }));
  });

  it('other bucket-like values stay invalid; a tenant-bound wildcard is accepted', () => {
    expect(() => validateIntegration({ ...wildcardAws, scope: { bucket: '**' } })).toThrow(expect.objectContaining({ field: 'scope.bucket' }));
    expect(() => validateIntegration({ ...wildcardAws, scope: { bucket: 'a*' } })).toThrow(expect.objectContaining({ field: 'scope.bucket' }));
    expect(validateIntegration(wildcardAws)).toMatchObject({ tenant: 'scale', scope: { bucket: '*' } });
  });
});

describe('matching', () => {
  const named: Integration = { id: 'scale-media', tenant: 'scale', provider: 'memory', scope: { bucket: 'media' } };

  it('a wildcard matches any bucket, only in its tenant’s view; a named bucket wins over it', () => {
    const resolver = createAssetResolver({ integrations: [wildcardAws, { ...wildcardAws, id: 'named', scope: { bucket: 'exact-bucket', region: 'us-east-1' } }, named] });
    const view = resolver.forTenant('scale');
    expect(view.match('s3://some-bucket/k.jpg')).toMatchObject({ integration: { id: 'scale-any-bucket' } });
    expect(view.match('s3://some-bucket/k.jpg').reason).toContain('wildcard');
    expect(view.match('s3://exact-bucket/k.jpg')).toMatchObject({ integration: { id: 'named' } });
    expect(() => resolver.forTenant('other').match('s3://some-bucket/k.jpg')).toThrow(expect.objectContaining({ code: 'NO_INTEGRATION' }));
    // Root: never by scope, never by id.
    expect(() => resolver.match('s3://some-bucket/k.jpg')).toThrow(expect.objectContaining({ code: 'NO_INTEGRATION' }));
    expect(() => resolver.match('s3://some-bucket/k.jpg', 'scale-any-bucket')).toThrow(expect.objectContaining({ code: 'NO_INTEGRATION', message: expect.stringContaining('forTenant') }));
  });

  it('a wildcard with a prefix applies the prefix in every bucket', () => {
    const resolver = createAssetResolver({ integrations: [{ ...wildcardAws, scope: { bucket: '*', prefix: 'exports' } }] });
    expect(resolver.forTenant('scale').match('s3://bkt-one/exports/x').matchedPrefix).toBe('exports');
    expect(() => resolver.forTenant('scale').match('s3://bkt-one/other/x')).toThrow(expect.objectContaining({ code: 'NO_INTEGRATION' }));
  });

  it('an Azure scope without container covers every container of its account, and only that account', () => {
    const azure: Integration = {
      id: 'segments-account', tenant: 'segments', provider: 'azure', scope: { account: 'segdata' },
      auth: { kind: 'client-secret', tenantId: 'contoso.onmicrosoft.com', clientId: '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e', clientSecret: 's' },
    };
    const view = createAssetResolver({ integrations: [azure] }).forTenant('segments');
    expect(view.match('https://segdata.blob.core.windows.net/images/a.png').integration.id).toBe('segments-account');
    expect(view.match('https://segdata.blob.core.windows.net/labels/b.json').integration.id).toBe('segments-account');
    // az:// (no account) takes the integration's account.
    expect(view.match('az://labels/b.json').location.uri).toBe('https://segdata.blob.core.windows.net/labels/b.json');
    expect(() => view.match('https://otheracct.blob.core.windows.net/images/a.png')).toThrow(expect.objectContaining({ code: 'NO_INTEGRATION' }));
  });

  it('the registry finds wildcards with a lookup, not a scan of every integration', () => {
    const registry = new IntegrationRegistry();
    for (let i = 0; i < 20_000; i++) {
      registry.set(new RegisteredIntegration(validateIntegration({
        id: `t${i}-media`, tenant: `t${i}`, provider: 'aws', scope: { bucket: `bucket-${i}` }, auth: { kind: 'cross-account' },
      })));
    }
    registry.set(new RegisteredIntegration(validateIntegration(wildcardAws)));
    const loc = parseAssetUri('s3://bucket-7/k');
    expect(registry.candidates(loc, 'scale').map((r) => r.id)).toEqual(['scale-any-bucket']);
    expect(registry.candidates(loc, 't7').map((r) => r.id)).toEqual(['t7-media']);
    expect(registry.candidates(loc, 't8')).toEqual([]);
    expect(registry.candidates(loc)).toEqual([]);
    // Removing and re-adding keeps the indexes exact.
    registry.delete('scale-any-bucket');
    expect(registry.candidates(loc, 'scale')).toEqual([]);
  });
});

describe('aws: credentials minted per bucket', () => {
  let fakes: AwsFakes;
  beforeAll(async () => {
    fakes = await startAwsFakes({ roles: [{ roleArn: ROLE, externalId: EXTERNAL_ID }], buckets: [{ name: 'bucket-one', ownerAccountId: CUSTOMER }, { name: 'bucket-two', ownerAccountId: CUSTOMER }] });
    await fakes.s3.putObject('bucket-one', 'a.txt', 'one');
    await fakes.s3.putObject('bucket-two', 'b.txt', 'two');
  });
  afterAll(async () => { await fakes?.close(); });

  it('each session policy the fake STS received names exactly one bucket: the one used', async () => {
    const resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [wildcardAws] });
    try {
      const view = resolver.forTenant('scale');
      const from = fakes.sts.calls.length;
      expect(new TextDecoder().decode(await (await view.resolveAsset('s3://bucket-one/a.txt')).bytes())).toBe('one');
      expect(new TextDecoder().decode(await (await view.resolveAsset('s3://bucket-two/b.txt')).bytes())).toBe('two');
      await view.presign('s3://bucket-one/a.txt', 60);
      await view.presign('s3://bucket-two/b.txt', 60);
      const calls = fakes.sts.calls.slice(from);
      expect(calls.map((c) => c.outcome)).toEqual(['issued', 'issued']);
      const bucketsOf = (policy: PolicyDocument): Set<string> => new Set(([] as Array<{ Resource?: string | string[] }>).concat(policy.Statement)
        .flatMap((s) => ([] as string[]).concat(s.Resource ?? [])).map((r) => /^arn:aws:s3:::([^/]+)/.exec(r)?.[1] ?? r));
      expect(calls.map((c) => [...bucketsOf(c.policy!)])).toEqual([['bucket-one'], ['bucket-two']]);
      expect(calls.every((c) => !c.policyJson!.includes(':::*'))).toBe(true);
      // The bucket-one session cannot reach bucket-two, at S3 itself.
      const key = fakes.keyring.get(calls[0]!.issuedAccessKeyId!)!;
      const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
      const raw = new S3Client({ region: 'us-east-1', endpoint: fakes.s3.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken! } });
      await expect(raw.send(new GetObjectCommand({ Bucket: 'bucket-two', Key: 'b.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
      raw.destroy();
      // Sessions are cached per bucket: another read of bucket-one mints nothing.
      await (await view.resolveAsset('s3://bucket-one/a.txt')).head();
      expect(fakes.sts.calls.length - from).toBe(2);
    } finally { await resolver.close(); }
  });

  it('verify of a wildcard integration needs a sample, and verifies in the sample’s bucket', async () => {
    const resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [wildcardAws] });
    try {
      const view = resolver.forTenant('scale');
      await expect(view.verify('scale-any-bucket')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('sampleUri') });
      const from = fakes.sts.calls.length;
      const report = await view.verify('scale-any-bucket', { sampleUri: 's3://bucket-two/b.txt' });
      expect(report.status).toBe('active');
      expect(report.checks.find((c) => c.name === 'list')?.detail).toContain('whole bucket');
      expect(fakes.sts.calls.slice(from).every((c) => c.policyJson!.includes('arn:aws:s3:::bucket-two') && !c.policyJson!.includes('bucket-one'))).toBe(true);
    } finally { await resolver.close(); }
  });
});

describe('gcp: access boundary per bucket', () => {
  const PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';
  const SA = 'scale-reader@customer-project.iam.gserviceaccount.com';
  let fake: FakeGcp;
  beforeAll(async () => {
    fake = await startFakeGcp();
    fake.directory.registerToken('platform-token-wild', { principal: PLATFORM });
    fake.directory.addServiceAccount(SA);
    fake.directory.grantTokenCreator(PLATFORM, SA);
    for (const b of ['gbucket-one', 'gbucket-two']) {
      fake.gcs.createBucket(b, { iam: { [SA]: 'roles/storage.objectViewer' } });
      fake.gcs.putObject(b, 'x.txt', b);
    }
  });
  afterAll(async () => { await fake?.close(); });

  it('each downscoped token is bounded to the one bucket it is used for', async () => {
    const resolver = createAssetResolver({
      platform: { gcp: { authClient: { getAccessToken: async () => ({ token: 'platform-token-wild' }) }, ...fake.endpoints, maxRetries: 0 } },
      integrations: [{ id: 'scale-gcs', tenant: 'scale', provider: 'gcp', scope: { bucket: '*' }, auth: { kind: 'impersonation', serviceAccount: SA } }],
    });
    try {
      const view = resolver.forTenant('scale');
      const from = fake.sts.calls.length;
      expect(new TextDecoder().decode(await (await view.resolveAsset('gs://gbucket-one/x.txt')).bytes())).toBe('gbucket-one');
      expect(new TextDecoder().decode(await (await view.resolveAsset('gs://gbucket-two/x.txt')).bytes())).toBe('gbucket-two');
      const boundaries = fake.sts.calls.slice(from).map((c) => c.rules!.map((r) => r.availableResource));
      expect(boundaries).toEqual([
        ['//storage.googleapis.com/projects/_/buckets/gbucket-one'],
        ['//storage.googleapis.com/projects/_/buckets/gbucket-two'],
      ]);
      // The bucket-one token is refused by GCS on bucket-two.
      const token = fake.sts.calls[from]!.issuedToken!;
      const res = await fetch(`${fake.endpoints.apiEndpoint}/storage/v1/b/gbucket-two/o/x.txt?alt=media`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(403);
    } finally { await resolver.close(); }
  });
});
