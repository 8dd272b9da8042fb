import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import type { ObjectTarget, ProviderDriver } from '../../src/resolvers/driver.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { failure } from '../helpers/failure.js';
import { patched } from '../helpers/patch-driver.js';

/**
 * Issue 13 item 1 on S3, where only S3's own conditions can close the races: verify's probe is
 * written with `If-None-Match: *` and removed with `If-Match: <ETag>`. These cases need the fake
 * S3 to enforce both conditions the way S3 does (412 PreconditionFailed); a fake that ignores them
 * overwrites or deletes the customer's object and fails here.
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/conditional-role`;
const EXTERNAL_ID = 'conditional-external-id-0123456789ab';
const BUCKET = 'conditional-bucket';
let fakes: AwsFakes;
let resolver: AssetResolver;

beforeAll(async () => {
  fakes = await startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: BUCKET, ownerAccountId: ACCOUNT }] });
  fakes.keyring.addStaticKey({ accessKeyId: 'AKIACONDSTATIC000001', secretAccessKey: 'conditional-static-secret', accountId: ACCOUNT });
  const integrations: Integration[] = [
    { id: 'rw', provider: 'aws', mode: 'read-write', scope: { bucket: BUCKET, prefix: 'out' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } },
    // Over-privileged: a key that can write, registered read-only, so the raw-write probe succeeds.
    { id: 'static-ro', provider: 'aws', scope: { bucket: BUCKET, prefix: 'in' }, auth: { kind: 'access-key', accessKeyId: 'AKIACONDSTATIC000001', secretAccessKey: 'conditional-static-secret' } },
  ];
  resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations });
});
afterAll(async () => { await resolver?.close(); await fakes?.close(); });

const text = async (key: string): Promise<string | undefined> => {
  const object = await fakes.s3.getObject(BUCKET, key);
  return object ? Buffer.from(object.body).toString() : undefined;
};
const target = (id: string, key: string): ObjectTarget => ({
  integration: resolver.integration(id), location: { provider: 'aws', bucket: BUCKET, key, uri: `s3://${BUCKET}/${key}` },
});
const statusOf = (report: { checks: Array<{ name: string; status: string; code?: string }> }, name: string): string | undefined => {
  const check = report.checks.find((c) => c.name === name);
  return check ? (check.code ? `${check.status}:${check.code}` : check.status) : undefined;
};


describe('S3 driver conditions', () => {
  it('createIfAbsent on an existing key is ALREADY_EXISTS and the object keeps its bytes', async () => {
    await fakes.s3.putObject(BUCKET, 'out/exists.txt', 'customer data');
    const driver = await resolver.driver('aws');
    expect((await failure(driver.createIfAbsent!(target('rw', 'out/exists.txt'), new TextEncoder().encode('probe'), {}))).code).toBe('ALREADY_EXISTS');
    expect(await text('out/exists.txt')).toBe('customer data');
  });

  it('deleteVersion with a version that is no longer current deletes nothing', async () => {
    const driver = await resolver.driver('aws');
    const created = await driver.createIfAbsent!(target('rw', 'out/versioned.txt'), new TextEncoder().encode('probe'), {});
    await fakes.s3.putObject(BUCKET, 'out/versioned.txt', 'customer replaced it');
    expect(await driver.deleteVersion!(target('rw', 'out/versioned.txt'), created)).toBe(false);
    expect(await text('out/versioned.txt')).toBe('customer replaced it');
  });
});

describe('verify on S3', () => {
  it('rw: an object that appears before the probe writes is not overwritten (If-None-Match: *)', async () => {
    const driver = await resolver.driver('aws');
    let report: Awaited<ReturnType<AssetResolver['verify']>> | undefined;
    await patched(driver, 'head', (head) => async (t) => {
      const result = head(t);
      await result.catch(() => fakes.s3.putObject(BUCKET, t.location.key, 'appeared'));
      return result;
    }, async () => { report = await resolver.verify('rw', { probeKey: 'out/appears.txt' }); });
    expect(statusOf(report!, 'write-probe')).toBe('fail:ALREADY_EXISTS');
    expect(await text('out/appears.txt')).toBe('appeared');
  });

  it('rw: a probe object replaced by another writer before the clean-up is left alone (If-Match on delete)', async () => {
    const driver = await resolver.driver('aws');
    await patched(driver, 'read', (read) => async (t, range) => {
      await fakes.s3.putObject(BUCKET, t.location.key, 'customer wrote this');
      return read(t, range);
    }, async () => { await resolver.verify('rw', { probeKey: 'out/racy.txt' }); });
    expect(await text('out/racy.txt')).toBe('customer wrote this');
  });

  it('read-only over an over-privileged key: the raw probe never deletes a version another writer made', async () => {
    const driver = await resolver.driver('aws');
    let report: Awaited<ReturnType<AssetResolver['verify']>> | undefined;
    await patched(driver, 'deleteVersion', (deleteVersion) => async (t, version) => {
      await fakes.s3.putObject(BUCKET, t.location.key, 'customer wrote this');
      return deleteVersion(t, version);
    }, async () => { report = await resolver.verify('static-ro', { probeKey: 'in/racy.txt' }); });
    expect(statusOf(report!, 'read-only-enforced')).toBe('warn:ACCESS_DENIED');
    expect(await text('in/racy.txt')).toBe('customer wrote this');
  });
});
