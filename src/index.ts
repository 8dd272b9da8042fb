export { createAssetResolver, AssetResolver } from './resolver/create.js';
export type { IntegrationRef, ResolverPresignOptions } from './resolver/create.js';
export type { TenantResolver } from './resolver/tenant.js';
export { configure, resolveAsset, presign, defaultResolver } from './resolver/default.js';
export { fetchPresigned } from './resolver/fetch-presigned.js';
export { parseAssetUri } from './uri/index.js';
export type { ParseOptions, EndpointOverride } from './uri/index.js';
export { validateIntegration } from './integrations/validate.js';
export { CredentialCache } from './cache/credential-cache.js';
export type { Expiring, CacheKeyInfo, CredentialCacheOptions } from './cache/credential-cache.js';
export type { CredentialStore, LockHolder, StoredCredential } from './cache/store.js';
export {
  AssetLinkError, ERROR_CODES, isAssetLinkError,
  InvalidUriError, UnsupportedUriError, NoIntegrationError, OutOfScopeError, ReadOnlyError, InvalidIntegrationError,
  InvalidTtlError, CredentialsUnavailableError, AccessDeniedError, NotFoundError, BlockedHostError, ProviderError,
  MissingDependencyError, TimeoutError, InvalidArgumentError, AbortedError,
  AlreadyExistsError, BodyTooLargeError,
  IntegrationDisabledError, TenantRequiredError, VendUnsupportedError, PresignUnsupportedError,
} from './errors.js';
export type { AssetLinkErrorCode } from './errors.js';
export type { AssetLinkEvent, AssetLinkEventType } from './events.js';
export type * from './types.js';
export type * from './upload-types.js';
export type { VerificationReport, VerificationCheck, VerifyOptions, CheckName, CheckStatus, VerifyProfile } from './verify/report.js';
export { createRedisCredentialStore, RedisCredentialStore } from './cache/redis-store.js';
export type { RedisCredentialStoreOptions, RedisLike } from './cache/redis-store.js';
export { generateSetup, formatSetup, supportsSetup, SETUP_PROVIDERS, azureAdminConsentUrl } from './setup/index.js';
export type { AzureAdminConsentOptions } from './setup/index.js';
export type { PlatformIdentity, SetupOptions, SetupPlan, SetupProvider, SetupStep, SetupStepKind } from './setup/index.js';
export { generateExternalId } from './auth/external-id.js';
export { diffListings } from './list/diff.js';
export { compareUtf8 as compareKeys } from './resolvers/key-order.js';
export { readListingManifest, writeListingManifest, syncListingManifest } from './list/manifest.js';
export type {
  ListOptions, ListedObject, ListedPrefix, ListedEntry, KeyRange, SplitListingOptions, ListingChange, ListingSource,
} from './list/types.js';
export { federatedTokenFile } from './auth/federated-token-file.js';
export type { VendedCredentials, AwsVendedCredentials, GcpVendedCredentials, AzureVendedCredentials } from './vend/credentials.js';
export type { VendOptions } from './resolver/vend.js';
export type { PresignManyOptions } from './resolver/presign-many.js';
