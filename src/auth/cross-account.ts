import { AssetLinkError, CredentialsUnavailableError } from '../errors.js';
import type { AwsPlatformOptions } from '../types.js';
import { fromIdentity, type AwsCredentialValue, type SdkCredentialIdentity } from './aws-credential-value.js';

/**
 * The platform's own AWS identity: explicit `platform.aws.credentials`, or else whatever the AWS
 * SDK's default chain finds (environment, shared config, SSO, ECS/EKS/IMDS roles).
 *
 * Used directly by `cross-account` integrations (the customer granted the platform's principal in
 * a bucket policy) and as the caller of STS AssumeRole. It is never a fallback for an integration
 * whose own credentials failed.
 */
export type PlatformIdentity = () => Promise<AwsCredentialValue>;

/**
 * `defaultChain` is the SDK's memoised provider (an STS or S3 client's `config.credentials`), passed
 * in so this module does not load the SDK itself.
 */
export function platformIdentity(platform: AwsPlatformOptions, defaultChain: () => Promise<() => Promise<SdkCredentialIdentity>>): PlatformIdentity {
  const explicit = platform.credentials;
  if (explicit) {
    const value: AwsCredentialValue = {
      accessKeyId: explicit.accessKeyId,
      secretAccessKey: explicit.secretAccessKey,
      ...(explicit.sessionToken !== undefined ? { sessionToken: explicit.sessionToken } : {}),
    };
    return () => Promise.resolve(value);
  }
  return async () => {
    try {
      const provider = await defaultChain();
      return fromIdentity(await provider());
    } catch (error) {
      if (error instanceof AssetLinkError) throw error;
      throw new CredentialsUnavailableError(
        'the platform has no AWS identity: set platform.aws.credentials or configure the AWS default credential chain (environment, profile, instance role)',
        { cause: error },
      );
    }
  };
}
