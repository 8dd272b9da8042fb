export { createAssetResolver, AssetResolver } from './resolver/create.js';
export type { IntegrationRef, ResolverPresignOptions } from './resolver/create.js';
export { configure, resolveAsset, presign, defaultResolver } from './resolver/default.js';
export { fetchPresigned } from './resolver/fetch-presigned.js';
export { parseAssetUri } from './uri/index.js';
export type { ParseOptions, EndpointOverride } from './uri/index.js';
export { validateIntegration } from './integrations/validate.js';
export { CredentialCache } from './cache/credential-cache.js';
export type { Expiring, CacheKeyInfo, CredentialCacheOptions } from './cache/credential-cache.js';
export type { CredentialStore, StoredCredential } from './cache/store.js';
export {
  AssetLinkError, ERROR_CODES, isAssetLinkError,
  InvalidUriError, UnsupportedUriError, NoIntegrationError, OutOfScopeError, ReadOnlyError, InvalidIntegrationError,
  InvalidTtlError, CredentialsUnavailableError, AccessDeniedError, NotFoundError, BlockedHostError, ProviderError,
  MissingDependencyError, TimeoutError, InvalidArgumentError,
} from './errors.js';
export type { AssetLinkErrorCode } from './errors.js';
export type { AssetLinkEvent, AssetLinkEventType } from './events.js';
export type * from './types.js';
export type { VerificationReport, VerificationCheck, VerifyOptions, CheckName, CheckStatus } from './verify/report.js';
export { createRedisCredentialStore, RedisCredentialStore } from './cache/redis-store.js';
export type { RedisCredentialStoreOptions, RedisLike } from './cache/redis-store.js';
export { generateSetup, formatSetup, supportsSetup, SETUP_PROVIDERS } from './setup/index.js';
export type { PlatformIdentity, SetupOptions, SetupPlan, SetupProvider, SetupStep, SetupStepKind } from './setup/index.js';
export { generateExternalId } from './auth/external-id.js';
export { federatedTokenFile } from './auth/federated-token-file.js';
