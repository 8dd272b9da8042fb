import type { AwsPlatformOptions } from '../types.js';
import { platformCredentials, type PlatformCredentials } from './aws-platform-credentials.js';

/**
 * The platform's own AWS identity: `platform.aws.credentials` (static or a provider function), or
 * else the AWS SDK's default chain (see aws-platform-credentials.ts).
 *
 * Used directly by `cross-account` integrations (the customer granted the platform's principal in
 * a bucket policy) and as the caller of STS AssumeRole. It is never a fallback for an integration
 * whose own credentials failed.
 */
export type PlatformIdentity = PlatformCredentials;

export function platformIdentity(platform: AwsPlatformOptions, now: () => number): PlatformIdentity {
  return platformCredentials(platform, now);
}
