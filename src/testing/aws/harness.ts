import type { AwsPlatformOptions } from '../../types.js';
import { FakeS3Server, type FakeS3Bucket } from './s3-server.js';
import { FakeSts, type FakeRole } from './fake-sts.js';
import { AwsKeyring, DEFAULT_ACCOUNT_ID } from './keyring.js';

/** Options of `startAwsFakes`. */
export interface AwsFakesOptions {
  /** Roles the fake STS lets the platform assume (trust, ExternalId, permissions). */
  roles?: FakeRole[];
  /** Buckets created before the fakes start. */
  buckets?: Array<string | FakeS3Bucket>;
  /** Shared clock for STS expirations, session expiry and presigned-URL expiry. */
  now?: () => number;
  /** Passed to the fake S3: false models servers that send no `x-amz-bucket-region`. */
  bucketRegionHeader?: boolean;
  /** The platform's own long-term key. Default: a generated test key in account 111111111111. */
  platformCredentials?: { accessKeyId: string; secretAccessKey: string };
}

/** A fake STS and a strict fake S3 sharing one keyring, plus the `platform.aws` options that point at them. */
export interface AwsFakes {
  keyring: AwsKeyring;
  sts: FakeSts;
  s3: FakeS3Server;
  /** Pass as `platform.aws` to `createAssetResolver`. */
  platform: AwsPlatformOptions & { credentials: { accessKeyId: string; secretAccessKey: string } };
  /** ARN of the platform identity (what customers trust in their role's trust policy). */
  platformPrincipalArn: string;
  close(): Promise<void>;
}

/** Starts a fake STS and a fake S3 sharing one keyring, and the platform options that point at them. */
export async function startAwsFakes(options: AwsFakesOptions = {}): Promise<AwsFakes> {
  const keyring = new AwsKeyring();
  const credentials = options.platformCredentials ?? { accessKeyId: 'AKIAPLATFORMTEST0001', secretAccessKey: 'platform-test-secret-key' };
  const platformKey = keyring.addStaticKey({ ...credentials, accountId: DEFAULT_ACCOUNT_ID, principalArn: `arn:aws:iam::${DEFAULT_ACCOUNT_ID}:user/assetlink-platform` });
  const sts = new FakeSts({ keyring, roles: options.roles ?? [], ...(options.now ? { now: options.now } : {}) });
  const s3 = new FakeS3Server({
    keyring, buckets: options.buckets ?? [],
    ...(options.now ? { now: options.now } : {}),
    ...(options.bucketRegionHeader !== undefined ? { bucketRegionHeader: options.bucketRegionHeader } : {}),
  });
  try {
    await sts.start();
    await s3.start();
  } catch (error) {
    await Promise.allSettled([sts.close(), s3.close()]);
    throw error;
  }
  return {
    keyring,
    sts,
    s3,
    platform: { credentials, region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, stsEndpoint: sts.endpoint },
    platformPrincipalArn: platformKey.principalArn,
    close: async () => { await Promise.allSettled([sts.close(), s3.close()]); },
  };
}
