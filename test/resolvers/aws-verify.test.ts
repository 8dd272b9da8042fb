import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/** `resolver.verify()` against aws integrations: the driver's credential, raw-write and CORS probes. */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/verify-role`;
const EXTERNAL_ID = 'verify-external-id-0123456789abcdef';
const auth = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
let fakes: AwsFakes;
let resolver: AssetResolver;

beforeAll(async () => {
  fakes = await startAwsFakes({
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }],
    buckets: [{ name: 'verify-bucket', ownerAccountId: ACCOUNT, cors: [{ allowedOrigins: ['https://app.example.com'], allowedMethods: ['GET', 'PUT'], allowedHeaders: ['content-type'] }] }],
  });
  // A customer key that can write everywhere, registered as read-only: over-privileged.
  fakes.keyring.addStaticKey({ accessKeyId: 'AKIAVERIFYSTATIC0001', secretAccessKey: 'verify-static-secret', accountId: ACCOUNT });
  await fakes.s3.putObject('verify-bucket', 'in/sample.txt', 'sample');
  resolver = createAssetResolver({
    platform: { aws: fakes.platform },
    integrations: [
      { id: 'ro', provider: 'aws', scope: { bucket: 'verify-bucket', prefix: 'in' }, auth },
      { id: 'rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'verify-bucket', prefix: 'out' }, auth },
      { id: 'bad-ext', provider: 'aws', scope: { bucket: 'verify-bucket', prefix: 'in' }, auth: { ...auth, externalId: 'wrong-external-id' } },
      { id: 'static-ro', provider: 'aws', scope: { bucket: 'verify-bucket', prefix: 'in' }, auth: { kind: 'access-key', accessKeyId: 'AKIAVERIFYSTATIC0001', secretAccessKey: 'verify-static-secret' } },
      { id: 'static-bad', provider: 'aws', scope: { bucket: 'verify-bucket', prefix: 'in' }, auth: { kind: 'access-key', accessKeyId: 'AKIAVERIFYSTATIC0001', secretAccessKey: 'not-the-secret' } },
    ],
  });
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

const statusOf = (report: { checks: Array<{ name: string; status: string; code?: string }> }) =>
  Object.fromEntries(report.checks.map((c) => [c.name, c.code ? `${c.status}:${c.code}` : c.status]));

describe('verify (aws)', () => {
  it('read-only assume-role: credentials, list, sample read pass; the minted credentials cannot write', async () => {
    const report = await resolver.verify('ro', { sampleUri: 's3://verify-bucket/in/sample.txt', origin: 'https://app.example.com' });
    expect(report.status).toBe('active');
    // The session policy carries no s3:GetBucketCORS, so the optional CORS check cannot read the rules.
    expect(statusOf(report)).toEqual({ credentials: 'pass', list: 'pass', 'sample-read': 'pass', 'read-only-enforced': 'pass', cors: 'fail:ACCESS_DENIED' });
    expect(report.checks.find((c) => c.name === 'cors')!.detail).toContain('s3:GetBucketCORS');
    expect(report.checks[0]!.detail).toContain('downscoped to s3://verify-bucket/in/ (read-only)');
    // The probe really reached S3 and was refused there, and left nothing behind.
    expect(fakes.s3.refusals.some((r) => r.method === 'PUT' && r.code === 'AccessDenied')).toBe(true);
    expect(fakes.s3.requests.filter((r) => r.method === 'PUT' && r.status === 200)).toEqual([]);
  });

  it('read-write: the write probe creates, reads back and deletes', async () => {
    const report = await resolver.verify('rw');
    expect(report.status).toBe('active');
    expect(statusOf(report)).toMatchObject({ credentials: 'pass', list: 'pass', 'write-probe': 'pass' });
  });

  it('reads CORS rules where the credentials may, and matches them against the origin', async () => {
    expect(statusOf(await resolver.verify('static-ro', { origin: 'https://app.example.com' })).cors).toBe('pass');
    expect(statusOf(await resolver.verify('static-ro', { origin: 'https://evil.example.com' })).cors).toBe('fail:ACCESS_DENIED');
  });

  it('a wrong ExternalId fails the credentials check with ACCESS_DENIED and skips the rest', async () => {
    const report = await resolver.verify('bad-ext');
    expect(report.status).toBe('pending');
    expect(statusOf(report)).toMatchObject({ credentials: 'fail:ACCESS_DENIED', list: 'skipped' });
  });

  it('access keys are checked with GetCallerIdentity; over-privileged read-only keys are flagged', async () => {
    const ok = await resolver.verify('static-ro');
    expect(statusOf(ok)).toMatchObject({ credentials: 'pass', list: 'pass', 'read-only-enforced': 'warn:ACCESS_DENIED' });
    expect(ok.checks[0]!.detail).toContain("the integration's access key is arn:aws:iam::222222222222:user/AKIAVERIFYSTATIC0001");
    expect(await fakes.s3.getObject('verify-bucket', 'in/.assetlink')).toBeUndefined();
    const bad = await resolver.verify('static-bad');
    expect(statusOf(bad)).toMatchObject({ credentials: 'fail:ACCESS_DENIED' });
  });
});
