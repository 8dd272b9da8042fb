import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type AwsIntegration } from '../../src/index.js';
import { putMemoryObject } from '../../src/testing/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/**
 * Verify profiles. Segments' and Scale's documented setups grant only object reads
 * (`s3:GetObject`, `storage.objects.get`): the default profile reports them `pending` because
 * listing fails; `read-objects` makes listing and CORS optional, needs a sample, and is `active`
 * when the sample reads. The report names the bucket's region where the provider reveals it.
 */

const CUSTOMER = '666666666666';
const ROLE = `arn:aws:iam::${CUSTOMER}:role/segments-get-object-only`;
const EXTERNAL_ID = 'segments-external-id-0001';
const BUCKET = 'segments-frankfurt';

describe('verify profiles (aws, a role that grants s3:GetObject only)', () => {
  let fakes: AwsFakes;
  let resolver: AssetResolver;
  const integration: AwsIntegration = {
    id: 'segments', tenant: 'segments', provider: 'aws', scope: { bucket: BUCKET, prefix: 'frames' },
    auth: { kind: 'assume-role', roleArn: ROLE, externalId: EXTERNAL_ID },
  };

  beforeAll(async () => {
    fakes = await startAwsFakes({
      roles: [{
        roleArn: ROLE, externalId: EXTERNAL_ID,
        permissions: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }] },
      }],
      buckets: [{ name: BUCKET, ownerAccountId: CUSTOMER, region: 'eu-central-1' }],
    });
    await fakes.s3.putObject(BUCKET, 'frames/0001.jpg', 'jpeg bytes');
    resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations: [integration] });
  });
  afterAll(async () => { await resolver?.close(); await fakes?.close(); });

  it('the default profile reports pending: listing is refused', async () => {
    const report = await resolver.verify('segments', { sampleUri: `s3://${BUCKET}/frames/0001.jpg` });
    expect(report).toMatchObject({ status: 'pending', profile: 'full', failing: ['list'] });
  });

  it('read-objects: active when the sample reads; list still runs and is reported, but optional; the region is reported', async () => {
    const view = resolver.forTenant('segments');
    const report = await view.verify('segments', { profile: 'read-objects', sampleUri: `s3://${BUCKET}/frames/0001.jpg` });
    expect(report).toMatchObject({ status: 'active', profile: 'read-objects', failing: [], tenant: 'segments', region: 'eu-central-1' });
    expect(report.checks.find((c) => c.name === 'list')).toMatchObject({ status: 'fail', required: false, code: 'ACCESS_DENIED' });
    expect(report.checks.find((c) => c.name === 'sample-read')).toMatchObject({ status: 'pass', required: true });
    expect(report.checks.find((c) => c.name === 'cors')).toMatchObject({ required: false });
  });

  it('read-objects: pending when the sample cannot be read', async () => {
    const report = await resolver.verify('segments', { profile: 'read-objects', sampleUri: `s3://${BUCKET}/frames/missing.jpg` });
    expect(report).toMatchObject({ status: 'pending', failing: ['sample-read'] });
  });

  it('read-objects without a sampleUri, or an unknown profile, is a typed error before any network call', async () => {
    const before = fakes.sts.requestCount;
    await expect(resolver.verify('segments', { profile: 'read-objects' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('sampleUri') });
    await expect(resolver.verify('segments', { profile: 'everything' as 'full' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('read-objects') });
    expect(fakes.sts.requestCount).toBe(before);
  });
});

describe('verify profiles (gcp: the location is reported only when the credentials may read bucket metadata)', () => {
  const PLATFORM = 'assetlink-platform@platform-project.iam.gserviceaccount.com';
  const VIEWER = 'viewer@customer.iam.gserviceaccount.com';
  const READER = 'bucket-reader@customer.iam.gserviceaccount.com';
  let fake: FakeGcp;
  let resolver: AssetResolver;
  beforeAll(async () => {
    fake = await startFakeGcp();
    fake.directory.registerToken('platform-token-profiles', { principal: PLATFORM });
    for (const sa of [VIEWER, READER]) { fake.directory.addServiceAccount(sa); fake.directory.grantTokenCreator(PLATFORM, sa); }
    fake.gcs.createBucket('profiles-gcs', { iam: { [VIEWER]: 'roles/storage.objectViewer', [READER]: 'roles/storage.admin' } });
    fake.gcs.putObject('profiles-gcs', 'a/x.txt', 'x');
    resolver = createAssetResolver({
      platform: { gcp: { authClient: { getAccessToken: async () => ({ token: 'platform-token-profiles' }) }, ...fake.endpoints, maxRetries: 0, credentialAccessBoundary: false } },
      integrations: [
        { id: 'viewer', provider: 'gcp', scope: { bucket: 'profiles-gcs' }, auth: { kind: 'impersonation', serviceAccount: VIEWER } },
        { id: 'admin', provider: 'gcp', scope: { bucket: 'profiles-gcs' }, auth: { kind: 'impersonation', serviceAccount: READER } },
      ],
    });
  });
  afterAll(async () => { await resolver?.close(); await fake?.close(); });

  it('object viewer: active with read-objects, no location; bucket metadata access: the location', async () => {
    const viewer = await resolver.verify('viewer', { profile: 'read-objects', sampleUri: 'gs://profiles-gcs/a/x.txt' });
    expect(viewer).toMatchObject({ status: 'active', profile: 'read-objects' });
    expect(viewer.region).toBeUndefined();
    const admin = await resolver.verify('admin', { profile: 'read-objects', sampleUri: 'gs://profiles-gcs/a/x.txt' });
    expect(admin).toMatchObject({ status: 'active', region: 'US' });
  });
});

describe('verify profiles (memory)', () => {
  it('read-objects on a read-write integration does not require the write probe', async () => {
    putMemoryObject('profiles-mem', 'in/a.txt', new TextEncoder().encode('a'));
    const resolver = createAssetResolver({ integrations: [{ id: 'rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'profiles-mem' } }] });
    const report = await resolver.verify('rw', { profile: 'read-objects', sampleUri: 'memory://profiles-mem/in/a.txt' });
    expect(report).toMatchObject({ status: 'active', profile: 'read-objects' });
    expect(report.checks.find((c) => c.name === 'write-probe')).toMatchObject({ status: 'pass', required: false });
    expect(report.region).toBeUndefined();
  });
});
