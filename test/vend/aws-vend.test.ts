import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createAssetResolver, type AssetLinkEvent, type AssetResolver, type AwsVendedCredentials } from '../../src/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { codeOf } from '../helpers/failure.js';

/**
 * resolver.vend() for AWS, proved with the raw @aws-sdk/client-s3 against the strict fake S3
 * (SigV4 + every policy evaluated at the server): the vended keys read inside the prefix, are
 * refused outside it and on the sibling prefix (images vs images2), cannot write when read-only,
 * and stop working after expiresAt (one clock shared by resolver, STS and S3).
 */

const ACCOUNT = '222222222222';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/media-access`;
const EXTERNAL_ID = 'ext-vend-0123456789abcdef0123';
const USER_KEY = { accessKeyId: 'AKIACUSTOMERUSER0001', secretAccessKey: 'customer-user-long-term-secret-0001' };

let clock = Date.now();
let fakes: AwsFakes;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];

beforeAll(async () => {
  fakes = await startAwsFakes({
    now: () => clock,
    roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, maxSessionDurationSeconds: 43_200 }],
    buckets: [{ name: 'media', ownerAccountId: ACCOUNT }],
  });
  // The customer's IAM user (its own policy allows all of S3 in its account: the vend policy narrows it).
  fakes.keyring.addStaticKey({ ...USER_KEY, accountId: ACCOUNT, principalArn: `arn:aws:iam::${ACCOUNT}:user/media-user` });
  const role = { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };
  resolver = createAssetResolver({
    now: () => clock,
    requestTimeoutMs: 5_000,
    onEvent: (e) => events.push(e),
    platform: { aws: fakes.platform },
    integrations: [
      { id: 'role-rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'media' }, auth: role },
      { id: 'role-ro', provider: 'aws', scope: { bucket: 'media', prefix: 'readonly' }, auth: role },
      { id: 'user-rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'media', prefix: 'users' }, auth: { kind: 'access-key', ...USER_KEY } },
      { id: 'temp-keys', provider: 'aws', scope: { bucket: 'media', prefix: 'temp' }, auth: { kind: 'access-key', accessKeyId: 'ASIATEMPORARY0000001', secretAccessKey: 's', sessionToken: 'tok' } },
      { id: 'xacct', provider: 'aws', scope: { bucket: 'media', prefix: 'xacct' }, auth: { kind: 'cross-account' } },
    ],
  });
  for (const key of ['images/a.jpg', 'images/sub/b.jpg', 'images2/c.jpg', 'other/d.jpg', 'readonly/images/e.jpg', 'readonly/images2/f.jpg', 'users/u1/g.jpg', 'users/u12/h.jpg']) {
    await fakes.s3.putObject('media', key, `body of ${key}`);
  }
});
afterAll(async () => {
  await resolver?.close();
  await fakes?.close();
});

async function vendS3(uri: string, options: Parameters<AssetResolver['vend']>[1]): Promise<AwsVendedCredentials> {
  const creds = await resolver.vend(uri, options);
  if (creds.provider !== 'aws') throw new Error(`vended ${creds.provider} credentials`);
  return creds;
}

function s3With(creds: AwsVendedCredentials): S3Client {
  return new S3Client({
    region: creds.region,
    endpoint: creds.endpoint!,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, sessionToken: creds.sessionToken },
  });
}
const get = async (s3: S3Client, key: string): Promise<string> => {
  const out = await s3.send(new GetObjectCommand({ Bucket: 'media', Key: key }));
  return out.Body!.transformToString();
};
const errorName = (p: Promise<unknown>): Promise<string> => p.then(() => 'succeeded', (e: Error) => e.name);

describe('AWS vend through assume-role (session policy)', () => {
  it('reads inside the prefix, is refused outside it and on the sibling prefix, cannot write read-only', async () => {
    const creds = await vendS3('s3://media/images/', { ttlSeconds: 900 });
    expect(creds).toMatchObject({ provider: 'aws', bucket: 'media', prefix: 'images', mode: 'read-only', integrationId: 'role-rw', region: 'us-east-1' });
    const s3 = s3With(creds);
    try {
      expect(await get(s3, 'images/a.jpg')).toBe('body of images/a.jpg');
      expect(await get(s3, 'images/sub/b.jpg')).toBe('body of images/sub/b.jpg');
      expect(await errorName(get(s3, 'images2/c.jpg'))).toBe('AccessDenied');
      expect(await errorName(get(s3, 'other/d.jpg'))).toBe('AccessDenied');
      // Listing: only below the prefix.
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'images/' }));
      expect(listed.Contents?.map((c) => c.Key)).toEqual(['images/a.jpg', 'images/sub/b.jpg']);
      expect(await errorName(s3.send(new ListObjectsV2Command({ Bucket: 'media', Prefix: 'images2/' })))).toBe('AccessDenied');
      expect(await errorName(s3.send(new ListObjectsV2Command({ Bucket: 'media' })))).toBe('AccessDenied');
      // Read-only: the role could write, the vended session cannot.
      expect(await errorName(s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'images/new.jpg', Body: 'x' })))).toBe('AccessDenied');
      expect(await errorName(s3.send(new DeleteObjectCommand({ Bucket: 'media', Key: 'images/a.jpg' })))).toBe('AccessDenied');
    } finally {
      s3.destroy();
    }
    // (The other AssumeRole call is the integration's own session, used once to find the bucket's region.)
    const call = fakes.sts.calls.find((c) => c.issuedAccessKeyId === creds.accessKeyId)!;
    expect(call).toMatchObject({ roleArn: ROLE_ARN, externalId: EXTERNAL_ID, durationSeconds: 900, outcome: 'issued' });
    expect(call.policyJson).toContain('arn:aws:s3:::media/images/*');
    expect(call.policyJson).not.toContain('s3:PutObject');
  });

  it('read-write vends write inside the prefix only', async () => {
    const creds = await vendS3('s3://media/images', { ttlSeconds: 1200, mode: 'read-write' });
    expect(creds.mode).toBe('read-write');
    const s3 = s3With(creds);
    try {
      await s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'images/written.jpg', Body: 'new' }));
      expect(await get(s3, 'images/written.jpg')).toBe('new');
      expect(await errorName(s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'images2/written.jpg', Body: 'x' })))).toBe('AccessDenied');
    } finally {
      s3.destroy();
    }
  });

  it('stops working after expiresAt, and never outlives the TTL asked', async () => {
    const start = clock;
    const creds = await vendS3('s3://media/images/', { ttlSeconds: 900 });
    expect(creds.expiresAt.getTime()).toBeLessThanOrEqual(start + 900_000);
    const s3 = s3With(creds);
    try {
      expect(await get(s3, 'images/a.jpg')).toBe('body of images/a.jpg');
      clock = creds.expiresAt.getTime() + 1000;
      expect(await errorName(get(s3, 'images/a.jpg'))).toBe('ExpiredToken');
    } finally {
      s3.destroy();
      clock = Date.now();
    }
  });

  it('refuses read-write through a read-only integration (READ_ONLY), and a prefix wider than the scope (OUT_OF_SCOPE)', async () => {
    expect(await codeOf(resolver.vend('s3://media/readonly/images/', { ttlSeconds: 900, mode: 'read-write' }))).toBe('READ_ONLY');
    expect(await codeOf(resolver.vend('s3://media/users/', { ttlSeconds: 900, integration: 'role-ro' }))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(resolver.vend('s3://media/readonly-old/', { ttlSeconds: 900, integration: 'role-ro' }))).toBe('OUT_OF_SCOPE');
    // A read-only integration vends read-only keys that cannot write even though the role can.
    const creds = await vendS3('s3://media/readonly/images/', { ttlSeconds: 900 });
    expect(creds.integrationId).toBe('role-ro');
    const s3 = s3With(creds);
    try {
      expect(await get(s3, 'readonly/images/e.jpg')).toBe('body of readonly/images/e.jpg');
      expect(await errorName(get(s3, 'readonly/images2/f.jpg'))).toBe('AccessDenied');
      expect(await errorName(s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'readonly/images/x', Body: 'x' })))).toBe('AccessDenied');
    } finally {
      s3.destroy();
    }
  });

  it('TTLs STS cannot honour are INVALID_TTL (under 900 s always; over 12 h unless clamp)', async () => {
    expect(await codeOf(resolver.vend('s3://media/images/', { ttlSeconds: 300 }))).toBe('INVALID_TTL');
    expect(await codeOf(resolver.vend('s3://media/images/', { ttlSeconds: 50_000 }))).toBe('INVALID_TTL');
    expect(await codeOf(resolver.vend('s3://media/images/', { ttlSeconds: 1.5 }))).toBe('INVALID_TTL');
    const clamped = await vendS3('s3://media/images/', { ttlSeconds: 50_000, clamp: true });
    expect(clamped.expiresAt.getTime() - clock).toBeLessThanOrEqual(43_200_000);
  });
});

describe('AWS vend through access-key (GetFederationToken)', () => {
  it('an IAM user key yields federated credentials confined to the prefix', async () => {
    const creds = await vendS3('s3://media/users/u1', { ttlSeconds: 1800, mode: 'read-write' });
    expect(creds).toMatchObject({ integrationId: 'user-rw', prefix: 'users/u1', mode: 'read-write' });
    expect(creds.accessKeyId).not.toBe(USER_KEY.accessKeyId);
    const call = fakes.sts.federationCalls.at(-1)!;
    expect(call).toMatchObject({ outcome: 'issued', durationSeconds: 1800, callerArn: `arn:aws:iam::${ACCOUNT}:user/media-user` });
    const s3 = s3With(creds);
    try {
      expect(await get(s3, 'users/u1/g.jpg')).toBe('body of users/u1/g.jpg');
      expect(await errorName(get(s3, 'users/u12/h.jpg'))).toBe('AccessDenied'); // sibling prefix
      expect(await errorName(get(s3, 'images/a.jpg'))).toBe('AccessDenied');
      await s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'users/u1/out.txt', Body: 'o' }));
      clock = creds.expiresAt.getTime() + 1;
      expect(await errorName(get(s3, 'users/u1/g.jpg'))).toBe('ExpiredToken');
    } finally {
      s3.destroy();
      clock = Date.now();
    }
  });

  it('read-only federated credentials cannot write', async () => {
    const creds = await vendS3('s3://media/users/u1/', { ttlSeconds: 900 });
    const s3 = s3With(creds);
    try {
      expect(await get(s3, 'users/u1/g.jpg')).toBe('body of users/u1/g.jpg');
      expect(await errorName(s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'users/u1/x', Body: 'x' })))).toBe('AccessDenied');
    } finally {
      s3.destroy();
    }
  });

  it('the fake STS refuses GetFederationToken signed with session credentials, as AWS does', async () => {
    const session = await vendS3('s3://media/images/', { ttlSeconds: 900 });
    const { STSClient, GetFederationTokenCommand } = await import('@aws-sdk/client-sts');
    const sts = new STSClient({ region: 'us-east-1', endpoint: fakes.sts.endpoint, maxAttempts: 1, credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey, sessionToken: session.sessionToken } });
    try {
      expect(await errorName(sts.send(new GetFederationTokenCommand({ Name: 'x1', Policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}' })))).toBe('AccessDenied');
    } finally {
      sts.destroy();
    }
  });

  it('temporary keys and cross-account integrations are refused with VEND_UNSUPPORTED, and no STS call is made', async () => {
    const before = fakes.sts.requestCount;
    expect(await codeOf(resolver.vend('s3://media/temp/', { ttlSeconds: 900 }))).toBe('VEND_UNSUPPORTED');
    expect(await codeOf(resolver.vend('s3://media/xacct/', { ttlSeconds: 900 }))).toBe('VEND_UNSUPPORTED');
    expect(fakes.sts.requestCount).toBe(before);
  });
});

describe('vended credentials keep their secrets out of logs', () => {
  it('JSON.stringify, util.inspect, String() and audit events mask the secret; the properties stay readable', async () => {
    events.length = 0;
    const creds = await vendS3('s3://media/images/', { ttlSeconds: 900 });
    expect(creds.secretAccessKey.length).toBeGreaterThan(10);
    for (const text of [JSON.stringify(creds), inspect(creds), String(creds), `${creds}`, JSON.stringify(events), inspect(events, { depth: 10 })]) {
      expect(text).not.toContain(creds.secretAccessKey);
      expect(text).not.toContain(creds.sessionToken);
      expect(text).not.toContain(creds.accessKeyId);
    }
    expect(JSON.parse(JSON.stringify(creds))).toMatchObject({ provider: 'aws', accessKeyId: `${creds.accessKeyId.slice(0, 4)}…`, secretAccessKey: '[REDACTED]', prefix: 'images' });
    const env = creds.toEnv();
    expect(env).toMatchObject({ AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_SESSION_TOKEN: creds.sessionToken, AWS_REGION: 'us-east-1' });
    const vended = events.filter((e) => e.type === 'credentials.vended');
    expect(vended).toHaveLength(1);
    expect(vended[0]).toMatchObject({ integrationId: 'role-rw', prefix: 'images', mode: 'read-only', ttlSeconds: 900, uri: 's3://media/images/' });
  });

  it('refusals are audit events too', async () => {
    events.length = 0;
    await codeOf(resolver.vend('s3://media/xacct/', { ttlSeconds: 900 }));
    expect(events.filter((e) => e.type === 'vend.refused')).toMatchObject([{ integrationId: 'xacct', code: 'VEND_UNSUPPORTED' }]);
  });

  it('an aborted signal stops the vend (ABORTED)', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await codeOf(resolver.vend('s3://media/images/', { ttlSeconds: 900, signal: controller.signal }))).toBe('ABORTED');
  });
});
