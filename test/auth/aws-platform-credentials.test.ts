import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type AwsCredentialIdentity, type AwsPlatformOptions } from '../../src/index.js';
import { memoizeCredentials } from '../../src/auth/aws-platform-credentials.js';
import { resolvePlatformRegion } from '../../src/resolvers/aws/platform-region.js';
import { loadSts } from '../../src/resolvers/aws/sdk.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';

/**
 * Issue 18: the platform's AWS identity follows the AWS SDK's conventions — credential provider
 * functions (memoized, refreshed before expiry), the SDK's default chain from
 * @aws-sdk/credential-providers, and the STS region resolved as the SDK resolves it, at the
 * regional endpoint. Against the fake STS (SigV4-verified) and the strict fake S3.
 */

const CUSTOMER = '222222222222';
const ROLE_ARN = `arn:aws:iam::${CUSTOMER}:role/platform-conventions`;
const PLATFORM_ROLE = 'arn:aws:iam::111111111111:role/assetlink-platform';
const EXTERNAL_ID = 'platform-conventions-ext-0123456789';
const BUCKET = 'conventions-bucket';
const integration = { id: 'conv', provider: 'aws' as const, scope: { bucket: BUCKET, prefix: 'in', region: 'us-east-1' }, auth: { kind: 'assume-role' as const, roleArn: ROLE_ARN, externalId: EXTERNAL_ID } };

let fakes: AwsFakes;
let scratch: string;
const savedEnv = { ...process.env };
const AWS_ENV = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** No developer's ~/.aws or shell variables leak into these tests. */
function isolateAwsEnv(vars: Record<string, string> = {}): void {
  for (const name of AWS_ENV) delete process.env[name];
  process.env.AWS_CONFIG_FILE = path.join(scratch, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(scratch, 'no-credentials');
  Object.assign(process.env, vars);
}

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'assetlink-aws-platform-'));
  fakes = await startAwsFakes({
    roles: [
      { roleArn: ROLE_ARN, externalId: EXTERNAL_ID, trustedPrincipals: ['111111111111'] },
      // The platform's own role, assumed by a credential provider of the SDK (role chaining).
      { roleArn: PLATFORM_ROLE },
    ],
    buckets: [{ name: BUCKET, ownerAccountId: CUSTOMER }],
  });
  await fakes.s3.putObject(BUCKET, 'in/a.txt', 'conventions');
});
afterEach(() => {
  for (const name of AWS_ENV) delete process.env[name];
  for (const name of AWS_ENV) if (savedEnv[name] !== undefined) process.env[name] = savedEnv[name];
});
afterAll(async () => {
  await fakes?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const platformWith = (credentials: AwsPlatformOptions['credentials'] | undefined): AwsPlatformOptions => {
  const { credentials: _static, ...rest } = fakes.platform;
  return credentials === undefined ? rest : { ...rest, credentials };
};

async function readThrough(platform: AwsPlatformOptions): Promise<string> {
  const resolver = createAssetResolver({ platform: { aws: platform }, integrations: [integration], requestTimeoutMs: 5_000 });
  try {
    const asset = await resolver.resolveAsset(`s3://${BUCKET}/in/a.txt`);
    return new TextDecoder().decode(await asset.bytes());
  } finally {
    await resolver.close();
  }
}

describe('platform.aws.credentials as a credential provider', () => {
  it('accepts fromTemporaryCredentials() of @aws-sdk/credential-providers (the platform assumes its own role first)', async () => {
    isolateAwsEnv();
    const before = fakes.sts.calls.length;
    const provider = fromTemporaryCredentials({
      params: { RoleArn: PLATFORM_ROLE, RoleSessionName: 'platform' },
      masterCredentials: fakes.platform.credentials,
      clientConfig: { region: 'us-east-1', endpoint: fakes.sts.endpoint },
    });
    expect(await readThrough(platformWith(provider))).toBe('conventions');
    const calls = fakes.sts.calls.slice(before);
    expect(calls.map((c) => [c.roleArn, c.outcome])).toEqual([[PLATFORM_ROLE, 'issued'], [ROLE_ARN, 'issued']]);
    // The customer's role was assumed by the platform role's session, not by the long-term key.
    expect(calls[1]!.callerArn).toBe('arn:aws:sts::111111111111:assumed-role/assetlink-platform/platform');
  });

  it('a provider is called once for many concurrent cold resolves', async () => {
    isolateAwsEnv();
    let calls = 0;
    const provider = async (): Promise<AwsCredentialIdentity> => {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      return { ...fakes.platform.credentials, expiration: new Date(Date.now() + 3_600_000) };
    };
    const resolver = createAssetResolver({
      platform: { aws: platformWith(provider) },
      integrations: [{ ...integration, id: 'conv-a' }, { ...integration, id: 'conv-b' }, { ...integration, id: 'conv-c' }],
    });
    try {
      const reads = ['conv-a', 'conv-b', 'conv-c', 'conv-a', 'conv-b'].map(async (id) => (await resolver.resolveAsset(`s3://${BUCKET}/in/a.txt`, id)).head());
      expect((await Promise.all(reads)).map((h) => h.size)).toEqual([11, 11, 11, 11, 11]);
      expect(calls).toBe(1);
    } finally {
      await resolver.close();
    }
  });

  it('a provider that fails gives CREDENTIALS_UNAVAILABLE without its secret-bearing message', async () => {
    isolateAwsEnv();
    const provider = async (): Promise<AwsCredentialIdentity> => { throw new Error('imds said no'); };
    const error = await readThrough(platformWith(provider)).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(AssetLinkError);
    expect((error as AssetLinkError).code).toBe('CREDENTIALS_UNAVAILABLE');
    expect((error as AssetLinkError).message).toContain('platform.aws.credentials');
  });
});

describe('memoized provider', () => {
  const value = (expiresAt?: number): AwsCredentialIdentity => ({
    accessKeyId: 'AKIAMEMO', secretAccessKey: 'memo-secret', ...(expiresAt !== undefined ? { expiration: new Date(expiresAt) } : {}),
  });

  it('shares one call, keeps the result until the refresh window, then refreshes', async () => {
    let clock = 1_000_000;
    let calls = 0;
    const memo = memoizeCredentials(async () => { calls++; return value(clock + 600_000); }, () => clock, 300_000, 'test');
    await Promise.all([memo(), memo(), memo()]);
    expect(calls).toBe(1);
    clock += 299_000; // still outside the 5-minute window
    expect((await memo()).expiresAt).toBe(1_600_000);
    expect(calls).toBe(1);
    clock += 2_000; // inside the window: refreshed before expiry
    expect((await memo()).expiresAt).toBe(clock + 600_000);
    expect(calls).toBe(2);
  });

  it('long-term keys (no expiration) are fetched once', async () => {
    let calls = 0;
    const memo = memoizeCredentials(async () => { calls++; return value(); }, () => 0, 300_000, 'test');
    await memo(); await memo();
    expect(calls).toBe(1);
  });

  it('a failed refresh is not cached; still-valid credentials are used until they expire', async () => {
    let clock = 0;
    let fail = false;
    let calls = 0;
    const memo = memoizeCredentials(async () => { calls++; if (fail) throw new Error('sso down'); return value(clock + 600_000); }, () => clock, 300_000, 'test');
    const first = await memo();
    fail = true;
    clock = 400_000; // in the refresh window, not expired
    expect(await memo()).toEqual(first);
    clock = 600_000; // expired: the failure surfaces, typed
    await expect(memo()).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
    fail = false;
    expect((await memo()).expiresAt).toBe(1_200_000);
    expect(calls).toBe(4);
  });
});

describe('the default chain (@aws-sdk/credential-providers fromNodeProviderChain)', () => {
  it('without platform.aws.credentials, the environment\'s keys are the platform identity', async () => {
    isolateAwsEnv({ AWS_ACCESS_KEY_ID: fakes.platform.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: fakes.platform.credentials.secretAccessKey });
    expect(await readThrough(platformWith(undefined))).toBe('conventions');
  });

  it('with nothing configured anywhere, CREDENTIALS_UNAVAILABLE says what to set', async () => {
    isolateAwsEnv({ AWS_EC2_METADATA_DISABLED: 'true' });
    const error = await readThrough(platformWith(undefined)).then(() => undefined, (e: unknown) => e as AssetLinkError);
    expect(error?.code).toBe('CREDENTIALS_UNAVAILABLE');
    expect(error?.message).toContain('default chain');
  });

  it('a credential provider passes the type check as the SDK declares it', () => {
    // Compile-time: fromNodeProviderChain() is an AwsCredentialIdentityProvider of the SDK.
    const options: AwsPlatformOptions = { credentials: fromNodeProviderChain() };
    expect(typeof options.credentials).toBe('function');
  });
});

describe('STS region and endpoint', () => {
  it('resolves as the SDK does: platform.aws.region, AWS_REGION, AWS_DEFAULT_REGION, the profile, us-east-1', async () => {
    const sts = await loadSts();
    const config = path.join(scratch, 'config');
    fs.writeFileSync(config, '[default]\nregion = ap-southeast-2\n\n[profile other]\nregion = ca-central-1\n');
    expect(await resolvePlatformRegion('eu-north-1', sts, { AWS_REGION: 'eu-west-2' })).toEqual({ region: 'eu-north-1', source: 'platform.aws.region' });
    expect(await resolvePlatformRegion(undefined, sts, { AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'eu-west-3' })).toEqual({ region: 'eu-west-2', source: 'AWS_REGION' });
    expect(await resolvePlatformRegion(undefined, sts, { AWS_DEFAULT_REGION: 'eu-west-3' })).toEqual({ region: 'eu-west-3', source: 'AWS_DEFAULT_REGION' });
    isolateAwsEnv({ AWS_CONFIG_FILE: config });
    expect(await resolvePlatformRegion(undefined, sts, {})).toEqual({ region: 'ap-southeast-2', source: 'profile' });
    isolateAwsEnv({ AWS_CONFIG_FILE: config, AWS_PROFILE: 'other' });
    expect(await resolvePlatformRegion(undefined, sts, {})).toEqual({ region: 'ca-central-1', source: 'profile' });
    isolateAwsEnv();
    expect(await resolvePlatformRegion(undefined, sts, {})).toEqual({ region: 'us-east-1', source: 'default' });
  });

  it('AssumeRole goes to the regional endpoint of AWS_REGION (the test network guard names the host it refused)', async () => {
    isolateAwsEnv({ AWS_REGION: 'eu-west-2' });
    const { stsEndpoint: _sts, region: _region, ...platform } = fakes.platform;
    const resolver = createAssetResolver({ platform: { aws: platform }, integrations: [integration], requestTimeoutMs: 2_000 });
    try {
      const error = await resolver.resolveAsset(`s3://${BUCKET}/in/a.txt`).then((a) => a.head()).then(() => undefined, (e: unknown) => e as AssetLinkError);
      expect(error?.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(String((error?.cause as Error | undefined)?.message)).toContain('sts.eu-west-2.amazonaws.com');
    } finally {
      await resolver.close();
    }
  });
});
