import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes, type FakeS3Bucket } from '../../src/testing/aws/index.js';
import { awsAccessPointDelegation } from '../../src/setup/aws.js';
import { codeOf } from '../helpers/failure.js';

/**
 * Issue 21 end to end on the S3 fake: a pinned read after an overwrite (and its presigned URL),
 * an access point alias routed to its bucket under its own policy, and the session policy that
 * names the access point, as the fake STS received it.

 */

interface PlannedFakeS3 {
  putObject(bucket: string, key: string, body: string | Uint8Array, options?: { contentType?: string }): Promise<{ etag: string; versionId?: string }>;
  createAccessPoint(options: { name: string; bucket: string; accountId?: string; region?: string; policy?: unknown }): Promise<{ name: string; arn: string; alias: string }>;
}

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/dataset-reader`;
const EXTERNAL_ID = 'ext-5f4e3d2c1b0a99887766554433221100';
/**
 * The platform's customers share datasets through access points with other accounts: this role
 * lives in another account, so the access point policy must grant it (within one account an
 * identity policy alone would do, as in AWS).
 */
const PARTNER_ROLE_ARN = 'arn:aws:iam::333333333333:role/dataset-partner';
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

let fakes: AwsFakes;
let s3: PlannedFakeS3;
let resolver: AssetResolver;
let accessPoint: { name: string; arn: string; alias: string };

beforeAll(async () => {
  fakes = await startAwsFakes({
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }, { roleArn: PARTNER_ROLE_ARN, externalId: EXTERNAL_ID }],
    buckets: [
      { name: 'versioned-data', ownerAccountId: ACCOUNT, versioning: 'Enabled' } as unknown as FakeS3Bucket,
      // The bucket delegates to its owner's access points, as the setup generator tells customers to.
      { name: 'shared-data', ownerAccountId: ACCOUNT, policy: awsAccessPointDelegation('shared-data', ACCOUNT, 'read-only', 'aws') as unknown as FakeS3Bucket['policy'] },
    ],
  });
  s3 = fakes.s3 as unknown as PlannedFakeS3;
  const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  accessPoint = await s3.createAccessPoint({
    name: 'shared-ap', bucket: 'shared-data', accountId: ACCOUNT, region: 'us-east-1',
    policy: {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow', Principal: { AWS: PARTNER_ROLE_ARN }, Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket'],
        Resource: [`arn:aws:s3:us-east-1:${ACCOUNT}:accesspoint/shared-ap`, `arn:aws:s3:us-east-1:${ACCOUNT}:accesspoint/shared-ap/object/*`],
      }],
    },
  });
  resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [
      { id: 'versions-ro', provider: 'aws', scope: { bucket: 'versioned-data', prefix: 'images' }, auth },
      { id: 'versions-rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'versioned-data', prefix: 'out' }, auth },
      { id: 'via-alias', provider: 'aws', scope: { bucket: accessPoint.alias, accessPointArn: accessPoint.arn, prefix: 'shared', region: 'us-east-1' }, auth: { ...auth, roleArn: PARTNER_ROLE_ARN } },
    ],
  });
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

describe('S3 version pinning on the fake', () => {
  it('a pinned read returns the old bytes after an overwrite, and so does its presigned URL', async () => {
    const first = await s3.putObject('versioned-data', 'images/cat.jpg', 'old meow', { contentType: 'image/jpeg' });
    await s3.putObject('versioned-data', 'images/cat.jpg', 'new meow!!', { contentType: 'image/jpeg' });
    expect(first.versionId).toBeTruthy();
    const uri = `https://versioned-data.s3.us-east-1.amazonaws.com/images/cat.jpg?versionId=${encodeURIComponent(first.versionId!)}`;
    const pinned = await resolver.resolveAsset(uri);
    expect(pinned.location.version).toBe(first.versionId);
    expect(text(await pinned.bytes())).toBe('old meow');
    expect(await pinned.head()).toMatchObject({ size: 8 });
    expect(await new Response(await pinned.read({ range: { start: 4 } })).text()).toBe('meow');
    const url = await pinned.presign({ ttlSeconds: 300 });
    expect(new URL(url.url).searchParams.get('versionId')).toBe(first.versionId);
    expect(await (await fetch(url.url)).text()).toBe('old meow');

    const live = await resolver.resolveAsset('s3://versioned-data/images/cat.jpg');
    expect(text(await live.bytes())).toBe('new meow!!');
  });

  it('the read-only session can read old versions (GetObjectVersion is in its session policy) and nothing else', async () => {
    const call = fakes.sts.calls.filter((c) => c.outcome === 'issued').find((c) => c.policyJson?.includes('versioned-data/images/*'));
    expect(call?.policyJson).toContain('s3:GetObjectVersion');
    expect(call?.policyJson).not.toContain('s3:PutObject');
  });

  it('writes through a pinned location are refused before reaching S3, and the version survives', async () => {
    const first = await s3.putObject('versioned-data', 'out/keep.txt', 'keep');
    await s3.putObject('versioned-data', 'out/keep.txt', 'later');
    const pinned = await resolver.resolveAsset(`https://s3.amazonaws.com/versioned-data/out/keep.txt?versionId=${encodeURIComponent(first.versionId!)}`);
    expect(pinned.mode).toBe('read-write');
    expect(await codeOf(pinned.write('overwrite'))).toBe('READ_ONLY');
    expect(await codeOf(pinned.delete())).toBe('READ_ONLY');
    expect(text(await pinned.bytes())).toBe('keep');
  });
});

describe('S3 access point alias on the fake', () => {
  it('reads and presigns through the alias; the session policy names the access point, not the bucket', async () => {
    await s3.putObject('shared-data', 'shared/report.csv', 'a,b\n1,2\n');
    const asset = await resolver.resolveAsset(`s3://${accessPoint.alias}/shared/report.csv`);
    expect(asset.integrationId).toBe('via-alias');
    expect(text(await asset.bytes())).toBe('a,b\n1,2\n');
    const url = await asset.presign({ ttlSeconds: 120 });
    expect(url.url).toContain(`/${accessPoint.alias}/shared/report.csv`);
    expect(await (await fetch(url.url)).text()).toBe('a,b\n1,2\n');

    const call = fakes.sts.calls.filter((c) => c.outcome === 'issued').find((c) => c.policyJson?.includes('accesspoint/shared-ap'));
    expect(call).toBeDefined();
    const resources = (call!.policy as { Statement: Array<{ Resource: string | string[] }> }).Statement.flatMap((s) => s.Resource);
    expect(resources).toContain(`${accessPoint.arn}/object/shared/*`);
    expect(resources).toContain(accessPoint.arn);
    expect(resources.some((r) => r.startsWith('arn:aws:s3:::'))).toBe(false);
  });

  it('keys outside the scope are refused by assetlink', async () => {
    await s3.putObject('shared-data', 'private/secret.txt', 'secret');
    expect(await codeOf(resolver.resolveAsset(`s3://${accessPoint.alias}/private/secret.txt`))).toBe('NO_INTEGRATION');
    expect(await codeOf(resolver.resolveAsset(`s3://${accessPoint.alias}/private/secret.txt`, 'via-alias'))).toBe('OUT_OF_SCOPE');
  });

  it('an access point\'s own policy decides: one that does not grant the role refuses it, although role and session policy allow', async () => {
    const closed = await s3.createAccessPoint({ name: 'closed-ap', bucket: 'shared-data', accountId: ACCOUNT, region: 'us-east-1', policy: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:us-east-1:${ACCOUNT}:accesspoint/closed-ap/object/*`] }],
    } });
    await s3.putObject('shared-data', 'shared/closed.txt', 'not for you');
    const asset = await resolver.resolveAsset(`s3://${closed.alias}/shared/closed.txt`, {
      id: 'via-closed-alias', provider: 'aws', scope: { bucket: closed.alias, accessPointArn: closed.arn, prefix: 'shared', region: 'us-east-1' },
      auth: { kind: 'assume-role', roleArn: PARTNER_ROLE_ARN, externalId: EXTERNAL_ID },
    });
    expect(await codeOf(asset.bytes())).toBe('ACCESS_DENIED');
  });
});
