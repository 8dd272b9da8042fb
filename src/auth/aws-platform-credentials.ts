import { AssetLinkError, CredentialsUnavailableError, InvalidArgumentError } from '../errors.js';
import { missingDependency } from '../optional-import.js';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, AwsPlatformOptions } from '../types.js';
import { fromIdentity, type AwsCredentialValue } from './aws-credential-value.js';

/** The platform's own AWS credentials, memoized: `() => Promise<credentials>`. */
export type PlatformCredentials = () => Promise<AwsCredentialValue>;

/** Refresh a provider's credentials this long before they expire (the AWS SDK uses the same window). */
export const PLATFORM_REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * The platform's own AWS identity, following the AWS SDK's conventions:
 * - `platform.aws.credentials` as a static `{ accessKeyId, secretAccessKey, sessionToken? }`;
 * - or as an `AwsCredentialIdentityProvider` — any function returning a promise of credentials,
 *   which is what `@aws-sdk/credential-providers` builds (`fromNodeProviderChain`,
 *   `fromTemporaryCredentials`, `fromIni`, `fromContainerMetadata`, …);
 * - omitted: the SDK's default chain, `fromNodeProviderChain()` from `@aws-sdk/credential-providers`
 *   (environment, SSO, shared config and credentials files, web identity, ECS, EC2 instance
 *   metadata), imported the first time the identity is needed.
 * Providers are memoized: one call in flight shared by concurrent callers, the result kept until
 * `refreshBeforeMs` before its `expiration`, a failed refresh never cached.
 */
export function platformCredentials(platform: AwsPlatformOptions, now: () => number, refreshBeforeMs = PLATFORM_REFRESH_BEFORE_MS): PlatformCredentials {
  const configured = platform.credentials;
  if (typeof configured === 'function') return memoizeCredentials(configured, now, refreshBeforeMs, 'platform.aws.credentials');
  if (configured !== undefined) {
    const value = staticCredentials(configured);
    return () => Promise.resolve(value);
  }
  let chain: Promise<AwsCredentialIdentityProvider> | undefined;
  const fromDefaultChain: AwsCredentialIdentityProvider = async () => {
    chain ??= import('@aws-sdk/credential-providers')
      .catch(missingDependency('@aws-sdk/credential-providers'))
      .then(({ fromNodeProviderChain }) => fromNodeProviderChain());
    chain.catch(() => { chain = undefined; });
    return (await chain)();
  };
  return memoizeCredentials(fromDefaultChain, now, refreshBeforeMs, 'the AWS default credential chain');
}

function staticCredentials(credentials: AwsCredentialIdentity): AwsCredentialValue {
  if (typeof credentials !== 'object' || credentials === null || typeof credentials.accessKeyId !== 'string' || typeof credentials.secretAccessKey !== 'string') {
    throw new InvalidArgumentError('platform.aws.credentials must be { accessKeyId, secretAccessKey, sessionToken? } or a credential provider function');
  }
  return fromIdentity(credentials);
}

/**
 * Shares one pending call among concurrent callers and keeps the result until shortly before it
 * expires. When a refresh fails while the current credentials are still valid, they are used
 * until they expire (an IMDS or SSO hiccup five minutes before expiry must not fail requests).
 */
export function memoizeCredentials(provider: AwsCredentialIdentityProvider, now: () => number, refreshBeforeMs: number, source: string): PlatformCredentials {
  let current: AwsCredentialValue | undefined;
  let pending: Promise<AwsCredentialValue> | undefined;
  const fresh = (value: AwsCredentialValue): boolean => value.expiresAt === undefined || now() < value.expiresAt - refreshBeforeMs;
  const valid = (value: AwsCredentialValue): boolean => value.expiresAt === undefined || now() < value.expiresAt;
  return async () => {
    if (current && fresh(current)) return current;
    pending ??= (async () => {
      try {
        const identity = await provider();
        if (typeof identity?.accessKeyId !== 'string' || typeof identity.secretAccessKey !== 'string') {
          throw new CredentialsUnavailableError(`${source} returned no access key`);
        }
        current = fromIdentity(identity);
        return current;
      } finally {
        pending = undefined;
      }
    })();
    try {
      return await pending;
    } catch (error) {
      if (current && valid(current)) return current;
      throw unavailable(source, error);
    }
  };
}

function unavailable(source: string, error: unknown): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const name = error instanceof Error ? error.name : 'error';
  return new CredentialsUnavailableError(
    `the platform has no AWS identity: ${source} failed (${name}); set platform.aws.credentials, or configure the default chain (environment, profile, SSO, container or instance role)`,
    { cause: error },
  );
}
