import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { AssetLinkError, createAssetResolver, type AssetLinkEvent, type AwsIntegration } from '../../src/index.js';
import { startAwsFakes, type AwsFakes, type PolicyDocument } from '../../src/testing/aws/index.js';

/** Assume-role, cross-account and access-key strategies against the fake STS and strict fake S3. */

const CUSTOMER = '222222222222';
const ROLE_ARN = `arn:aws:iam::${CUSTOMER}:role/scale-access`;
const SHORT_ROLE = `arn:aws:iam::${CUSTOMER}:role/short-sessions`;
const EXTERNAL_ID = 'scale-ext-5b0c1e4f7d2a49e8b3c6a1f0e9d8c7b6';
const BUCKET = 'customer-media';
let clock = Date.now();
let fakes: AwsFakes;

const assumeRole = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
const callsFor = (integrationId: string) => fakes.sts.calls.filter((c) => c.roleSessionName === `assetlink-${integrationId}`);
const issuedFor = (integrationId: string) => callsFor(integrationId).filter((c) => c.outcome === 'issued');

function resolverWith(integrations: AwsIntegration[], extra: { requestTimeoutMs?: number; stsEndpoint?: string; onEvent?: (e: AssetLinkEvent) => void } = {}) {
  return createAssetResolver({
    now: () => clock,
    requestTimeoutMs: extra.requestTimeoutMs ?? 5_000,
    platform: { aws: { ...fakes.platform, ...(extra.stsEndpoint ? { stsEndpoint: extra.stsEndpoint } : {}) } },
    integrations,
    ...(extra.onEvent ? { onEvent: extra.onEvent } : {}),
  });
}

async function errorOf(promise: Promise<unknown>): Promise<AssetLinkError> {
  try { await promise; } catch (error) {
    expect(error).toBeInstanceOf(AssetLinkError);
    return error as AssetLinkError;
  }
  throw new Error('expected an error');
}

beforeAll(async () => {
  fakes = await startAwsFakes({
    now: () => clock,
    roles: [
      { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, maxSessionDurationSeconds: 7200 },
      { roleArn: SHORT_ROLE, externalId: EXTERNAL_ID },
    ],
    buckets: [
      { name: BUCKET, ownerAccountId: CUSTOMER },
      {
        name: 'partner-share', ownerAccountId: '333333333333',
        policy: { Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::partner-share', 'arn:aws:s3:::partner-share/*'] }] },
      },
    ],
  });
  await fakes.s3.putObject(BUCKET, 'images/cat.jpg', 'meow');
  await fakes.s3.putObject('partner-share', 'exports/data.csv', 'x,y');
});
afterAll(async () => { await fakes?.close(); });

describe('session policy (downscoping)', () => {
  it('read-only: exactly GetObject (and GetObjectVersion) under the prefix and ListBucket conditioned on it, nothing else', async () => {
    const r = resolverWith([{ id: 'ro-policy', provider: 'aws', scope: { bucket: BUCKET, prefix: 'images', region: 'us-east-1' }, auth: assumeRole }]);
    try {
      await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head();
      const [call] = issuedFor('ro-policy');
      expect(call).toMatchObject({ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, durationSeconds: 3600 });
      const expected: PolicyDocument = {
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `arn:aws:s3:::${BUCKET}/images/*` },
          { Sid: 'ListScope', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { 's3:prefix': ['images/*'] } } },
          { Sid: 'LocateBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: `arn:aws:s3:::${BUCKET}` },
        ],
      };
      expect(call!.policy).toEqual(expected);
      expect(call!.policyJson).not.toMatch(/Put|Delete|Abort|\*"\s*,\s*"Resource": "\*"/);
    } finally { await r.close(); }
  });

  it('read-write adds the write actions on the same prefix only; no prefix means the whole bucket', async () => {
    const r = resolverWith([{ id: 'rw-policy', provider: 'aws', mode: 'read-write', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }]);
    try {
      await (await r.resolveAsset(`s3://${BUCKET}/anything.txt`)).write('x');
      const policy = issuedFor('rw-policy')[0]!.policy!;
      expect(policy.Statement).toEqual([
        { Sid: 'ReadObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `arn:aws:s3:::${BUCKET}/*` },
        { Sid: 'ListScope', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: `arn:aws:s3:::${BUCKET}` },
        { Sid: 'LocateBucket', Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: `arn:aws:s3:::${BUCKET}` },
        { Sid: 'WriteObjects', Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `arn:aws:s3:::${BUCKET}/*` },
      ]);
    } finally { await r.close(); }
  });

  it('escapes * ? and $ in prefixes so they match literally, at the server too', async () => {
    await fakes.s3.putObject(BUCKET, 'a*b?/inside.txt', 'literal');
    await fakes.s3.putObject(BUCKET, 'aXbY/outside.txt', 'must stay unreachable');
    const r = resolverWith([{ id: 'wild', provider: 'aws', scope: { bucket: BUCKET, prefix: 'a*b?', region: 'us-east-1' }, auth: assumeRole }]);
    try {
      const asset = await r.resolveAsset(`s3://${BUCKET}/a*b?/inside.txt`);
      expect(new TextDecoder().decode(await asset.bytes())).toBe('literal');
      const call = issuedFor('wild')[0]!;
      expect(call.policyJson).toContain(`arn:aws:s3:::${BUCKET}/a\${*}b\${?}/*`);
      // The minted credentials themselves cannot reach aXbY/ (which `a*b?` as a wildcard would match).
      const key = fakes.keyring.get(call.issuedAccessKeyId!)!;
      const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
      const raw = new S3Client({ region: 'us-east-1', endpoint: fakes.s3.endpoint, forcePathStyle: true, maxAttempts: 1, credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken! } });
      await expect(raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'aXbY/outside.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
      raw.destroy();
    } finally { await r.close(); }
  });

  it('names the integration in the session name and honours durationSeconds', async () => {
    const r = resolverWith([
      { id: 'tenant:42/media', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { ...assumeRole, durationSeconds: 7200 } },
      { id: 'custom-name', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { ...assumeRole, sessionName: 'scale-figure-eight' } },
    ]);
    try {
      await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`, 'tenant:42/media')).head();
      await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`, 'custom-name')).head();
      const named = fakes.sts.calls.find((c) => c.roleSessionName === 'assetlink-tenant-42-media')!;
      expect(named.durationSeconds).toBe(7200);
      expect(named.expiration!.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 7200_000);
      expect(fakes.sts.calls.some((c) => c.roleSessionName === 'scale-figure-eight')).toBe(true);
    } finally { await r.close(); }
  });

  it('a duration above the role maximum is INVALID_INTEGRATION, not retried', async () => {
    const r = resolverWith([{ id: 'too-long', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: SHORT_ROLE, externalId: EXTERNAL_ID, durationSeconds: 7200 } }]);
    try {
      const error = await errorOf((await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head());
      expect(error.code).toBe('INVALID_INTEGRATION');
      expect(callsFor('too-long')).toHaveLength(1);
    } finally { await r.close(); }
  });
});

describe('trust: ExternalId and no fallback', () => {
  it('a wrong ExternalId is ACCESS_DENIED naming the integration, and the platform identity is never used instead', async () => {
    const events: AssetLinkEvent[] = [];
    const r = resolverWith([{ id: 'wrong-ext', provider: 'aws', scope: { bucket: BUCKET }, auth: { ...assumeRole, externalId: 'not-the-right-external-id' } }], { onEvent: (e) => events.push(e) });
    const s3Before = fakes.s3.requests.length;
    try {
      const asset = await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`);
      for (const op of [asset.head(), asset.bytes(), asset.presign({ ttlSeconds: 60 })]) {
        const error = await errorOf(op);
        expect(error.code).toBe('ACCESS_DENIED');
        expect(error.integrationId).toBe('wrong-ext');
        expect(error.retryable).toBe(false);
        expect(error.message).not.toContain('not-the-right-external-id');
      }
      expect(callsFor('wrong-ext').every((c) => c.outcome === 'AccessDenied')).toBe(true);
      // Not one S3 request went out — in particular none signed with the platform's own key.
      expect(fakes.s3.requests.slice(s3Before)).toEqual([]);
      expect(events.some((e) => e.type === 'credentials.failed' && e.code === 'ACCESS_DENIED')).toBe(true);
    } finally { await r.close(); }
  });
});

describe('credential cache', () => {
  it('1000 concurrent cold resolveAsset + head share exactly one AssumeRole; after expiry, exactly one refresh', { timeout: 120_000 }, async () => {
    // A generous timeout: 1000 requests share one event loop with the in-process fakes, and the
    // test is about single flight, not latency.
    const r = resolverWith([{ id: 'stampede', provider: 'aws', scope: { bucket: BUCKET, prefix: 'images' }, auth: assumeRole }], { requestTimeoutMs: 60_000 });
    try {
      const heads = await Promise.all(Array.from({ length: 1000 }, async () => (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head()));
      expect(heads.every((h) => h.size === 4)).toBe(true);
      expect(callsFor('stampede')).toHaveLength(1);

      clock += 3601_000; // past the session's expiry
      await Promise.all(Array.from({ length: 50 }, async () => (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head()));
      expect(callsFor('stampede')).toHaveLength(2);
      await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head();
      expect(callsFor('stampede')).toHaveLength(2);
    } finally { await r.close(); }
  });

  it('re-registering an integration with another role never reuses the old session', async () => {
    const r = resolverWith([{ id: 'swap', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }]);
    try {
      await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head();
      r.addIntegration({ id: 'swap', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: SHORT_ROLE, externalId: EXTERNAL_ID } });
      await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head();
      expect(issuedFor('swap').map((c) => c.roleArn)).toEqual([ROLE_ARN, SHORT_ROLE]);
    } finally { await r.close(); }
  });

  it('a presign TTL longer than the session has left mints a fresh session (rarely), else clamps truthfully', async () => {
    const r = resolverWith([{ id: 'long-ttl', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { ...assumeRole, durationSeconds: 7200 } }]);
    try {
      await r.presign(`s3://${BUCKET}/images/cat.jpg`, 600);
      clock += 20 * 60_000; // the session has 100 min left
      const url = await r.presign(`s3://${BUCKET}/images/cat.jpg`, 6500); // more than the 6000 s left
      expect(issuedFor('long-ttl')).toHaveLength(2);
      expect(url.expiresAt.getTime()).toBe(Math.floor(clock / 1000) * 1000 + 6500_000);
      expect((await fetch(url.url)).status).toBe(200);
      // Beyond what any session of this integration can have: clamp to the session, truthfully.
      const clamped = await r.presign(`s3://${BUCKET}/images/cat.jpg`, 7200, { clamp: true });
      expect(clamped.expiresAt.getTime()).toBeLessThanOrEqual(issuedFor('long-ttl').at(-1)!.expiration!.getTime());
      expect(issuedFor('long-ttl')).toHaveLength(2);
    } finally { await r.close(); }
  });
});

describe('STS faults', () => {
  it('Throttling and 500 are retried with backoff, then succeed with one issued session', async () => {
    const r = resolverWith([{ id: 'flaky', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }]);
    try {
      fakes.sts.injectFault({ type: 'throttle' });
      fakes.sts.injectFault({ type: 'server-error' });
      const before = fakes.sts.requestCount;
      expect(await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head()).toMatchObject({ size: 4 });
      expect(fakes.sts.requestCount - before).toBe(3);
      expect(issuedFor('flaky')).toHaveLength(1);
    } finally { fakes.sts.clearFaults(); await r.close(); }
  });

  it('persistent throttling ends in a retryable CREDENTIALS_UNAVAILABLE after bounded attempts', async () => {
    const r = resolverWith([{ id: 'throttled', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }]);
    try {
      fakes.sts.injectFault({ type: 'throttle' }, 10);
      const before = fakes.sts.requestCount;
      const error = await errorOf((await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head());
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: true, integrationId: 'throttled' });
      expect(fakes.sts.requestCount - before).toBe(3);
    } finally { fakes.sts.clearFaults(); await r.close(); }
  });

  it('a hung STS times out (requestTimeoutMs) into a typed error instead of hanging', async () => {
    const r = resolverWith([{ id: 'hung', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }], { requestTimeoutMs: 200 });
    try {
      fakes.sts.injectFault({ type: 'hang' }, 3);
      const error = await errorOf((await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head());
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: true });
    } finally { fakes.sts.clearFaults(); await r.close(); }
  });

  it('a slow STS (under the timeout) is simply waited for', async () => {
    const r = resolverWith([{ id: 'slow', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }], { requestTimeoutMs: 2_000 });
    try {
      fakes.sts.injectFault({ type: 'delay', ms: 100 });
      expect(await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head()).toMatchObject({ size: 4 });
    } finally { fakes.sts.clearFaults(); await r.close(); }
  });

  it('an unreachable STS is a retryable CREDENTIALS_UNAVAILABLE', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = resolverWith([{ id: 'unreachable', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole }], { stsEndpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 1_000 });
    try {
      const error = await errorOf((await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head());
      expect(error).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: true, integrationId: 'unreachable' });
    } finally { await r.close(); }
  });
});

describe('platform identity from the default credential chain', () => {
  const saved = { ...process.env };
  const isolate = (vars: Record<string, string | undefined>): void => {
    // Point the shared config files at nothing so a developer's ~/.aws never leaks into the test.
    Object.assign(process.env, { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config', AWS_EC2_METADATA_DISABLED: 'true' });
    for (const [k, v] of Object.entries(vars)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
  };
  const restore = (): void => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  };
  const withoutExplicit = (integrations: AwsIntegration[]) => {
    const { credentials: _omit, ...platform } = fakes.platform;
    return createAssetResolver({ now: () => clock, platform: { aws: platform }, integrations });
  };

  it('assume-role and cross-account use the SDK default chain when platform.aws.credentials is absent', async () => {
    isolate({ AWS_ACCESS_KEY_ID: fakes.platform.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: fakes.platform.credentials.secretAccessKey, AWS_PROFILE: undefined, AWS_SESSION_TOKEN: undefined });
    const r = withoutExplicit([
      { id: 'chain-role', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: assumeRole },
      { id: 'chain-cross', provider: 'aws', scope: { bucket: 'partner-share', region: 'us-east-1' }, auth: { kind: 'cross-account' } },
    ]);
    try {
      expect(await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`)).head()).toMatchObject({ size: 4 });
      expect(issuedFor('chain-role')[0]?.callerArn).toBe(fakes.platformPrincipalArn);
      expect(new TextDecoder().decode(await (await r.resolveAsset('s3://partner-share/exports/data.csv')).bytes())).toBe('x,y');
    } finally { await r.close(); restore(); }
  });

  it('no platform identity at all is CREDENTIALS_UNAVAILABLE', async () => {
    isolate({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_PROFILE: undefined, AWS_WEB_IDENTITY_TOKEN_FILE: undefined, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined, AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined });
    const r = withoutExplicit([{ id: 'no-identity', provider: 'aws', scope: { bucket: 'partner-share', region: 'us-east-1' }, auth: { kind: 'cross-account' } }]);
    try {
      const error = await errorOf((await r.resolveAsset('s3://partner-share/exports/data.csv')).bytes());
      expect(error.code).toBe('CREDENTIALS_UNAVAILABLE');
    } finally { await r.close(); restore(); }
  });
});

describe('cross-account and access-key', () => {
  it('cross-account signs with the platform identity, sends ExpectedBucketOwner, and makes no STS call', async () => {
    const stsBefore = fakes.sts.requestCount;
    const r = resolverWith([
      { id: 'partner', provider: 'aws', scope: { bucket: 'partner-share', accountId: '333333333333', region: 'us-east-1' }, auth: { kind: 'cross-account' } },
      { id: 'partner-wrong-owner', provider: 'aws', scope: { bucket: 'partner-share', accountId: '444444444444', region: 'us-east-1' }, auth: { kind: 'cross-account' } },
    ]);
    try {
      const asset = await r.resolveAsset('s3://partner-share/exports/data.csv', 'partner');
      expect(new TextDecoder().decode(await asset.bytes())).toBe('x,y');
      const url = await asset.presign({ ttlSeconds: 120 });
      expect(url.url).toContain('x-amz-expected-bucket-owner=333333333333');
      expect(await (await fetch(url.url)).text()).toBe('x,y');
      const wrongOwner = await r.resolveAsset('s3://partner-share/exports/data.csv', 'partner-wrong-owner');
      expect((await errorOf(wrongOwner.bytes())).code).toBe('ACCESS_DENIED');
      expect((await fetch((await wrongOwner.presign({ ttlSeconds: 60 })).url)).status).toBe(403);
      expect(fakes.sts.requestCount).toBe(stsBefore);
      expect(fakes.s3.requests.at(-1)?.accessKeyId).toBe(fakes.platform.credentials.accessKeyId);
    } finally { await r.close(); }
  });

  it('access-key integrations sign with their own static keys', async () => {
    fakes.keyring.addStaticKey({ accessKeyId: 'AKIACUSTOMERSTATIC01', secretAccessKey: 'customer-static-secret', accountId: CUSTOMER });
    const r = resolverWith([
      { id: 'static', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { kind: 'access-key', accessKeyId: 'AKIACUSTOMERSTATIC01', secretAccessKey: 'customer-static-secret' } },
      { id: 'static-bad', provider: 'aws', scope: { bucket: BUCKET, region: 'us-east-1' }, auth: { kind: 'access-key', accessKeyId: 'AKIACUSTOMERSTATIC01', secretAccessKey: 'wrong-secret' } },
    ]);
    try {
      expect(new TextDecoder().decode(await (await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`, 'static')).bytes())).toBe('meow');
      expect(fakes.s3.requests.at(-1)?.accessKeyId).toBe('AKIACUSTOMERSTATIC01');
      const bad = await errorOf((await r.resolveAsset(`s3://${BUCKET}/images/cat.jpg`, 'static-bad')).bytes());
      expect(bad).toMatchObject({ code: 'ACCESS_DENIED', integrationId: 'static-bad' });
    } finally { await r.close(); }
  });
});
