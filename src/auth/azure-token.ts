import type https from 'node:https';
import type { AccessToken, ClientSecretCredentialOptions, TokenCredential } from '@azure/identity';
import type { CredentialCache } from '../cache/credential-cache.js';
import { CredentialsUnavailableError, InvalidIntegrationError } from '../errors.js';
import { missingDependency } from '../optional-import.js';
import type { AzureAuth, AzureCloud } from '../types.js';
import { mapEntraError } from './azure-errors.js';

export { STORAGE_SCOPE, DEFAULT_AUTHORITY_HOST, AUTHORITY_HOSTS, identityOptions, loadIdentity, type IdentityModule, type AzureCredentialOptions, type AzureTokenStrategy } from './azure-identity.js';
import { STORAGE_SCOPE, identityOptions, loadIdentity, type AzureCredentialOptions, type AzureTokenStrategy, type IdentityModule } from './azure-identity.js';

/** What the credential cache stores for a token: JSON-safe, no SDK objects. */
interface CachedToken { token: string; expiresOn: number }

/**
 * A TokenCredential for the storage SDK that serves tokens from the shared credential cache,
 * keyed by integration and tenant, so N concurrent cold callers cause one Entra request and
 * failures are retried with backoff and never cached.
 */
export class CachedTokenCredential implements TokenCredential {
  readonly #cache: CredentialCache;
  readonly #integrationId: string;
  readonly #strategy: AzureTokenStrategy;

  readonly #namespace: string;

  /** `namespace` prefixes the cache key (the integration's cacheNamespace); defaults to the id. */
  constructor(cache: CredentialCache, integrationId: string, strategy: AzureTokenStrategy, namespace = integrationId) {
    this.#cache = cache;
    this.#integrationId = integrationId;
    this.#strategy = strategy;
    this.#namespace = namespace;
  }

  get cacheKey(): string { return `${this.#namespace}|azure-token|${this.#strategy.tenantId}`; }

  /**
   * Forgets the token after Azure Storage refused it (expired early, revoked): the next call asks
   * Entra again, past the SDK credential's own token cache as well.
   */
  invalidate(): void {
    this.#cache.invalidate(this.cacheKey);
    this.#strategy.reset();
  }

  async getToken(): Promise<AccessToken> {
    const strategy = this.#strategy;
    const ctx = { integrationId: this.#integrationId, tenantId: strategy.tenantId, clientId: strategy.clientId };
    const cached = await this.#cache.get<CachedToken>(
      this.cacheKey,
      { integrationId: this.#integrationId, scope: `azure storage token, tenant ${strategy.tenantId}` },
      async () => {
        try {
          const token = await strategy.fetchToken(STORAGE_SCOPE);
          return { value: { token: token.token, expiresOn: token.expiresOnTimestamp }, expiresAt: token.expiresOnTimestamp };
        } catch (error) {
          const mapped = mapEntraError(error, ctx);
          if (mapped.retryable) strategy.reset();
          throw mapped;
        }
      },
    );
    return { token: cached.token, expiresOnTimestamp: cached.expiresOn, tokenType: 'Bearer' };
  }
}

/** Builds the strategy for an integration's `auth` block. */
export async function createAzureTokenStrategy(auth: AzureAuth, options: AzureCredentialOptions): Promise<AzureTokenStrategy> {
  switch (auth.kind) {
    case 'federated': {
      const { FederatedTokenStrategy } = await import('./federated.js');
      return new FederatedTokenStrategy(await loadIdentity(), auth, options);
    }
    case 'client-secret': {
      const { ClientSecretTokenStrategy } = await import('./client-secret.js');
      return new ClientSecretTokenStrategy(await loadIdentity(), auth, options);
    }
    case 'client-certificate': {
      const { ClientCertificateTokenStrategy } = await import('./client-certificate.js');
      return new ClientCertificateTokenStrategy(await loadIdentity(), auth, options);
    }
    default: {
      // `sas` integrations carry their own SAS and never ask Entra for a token.
      const kind = (auth as { kind?: unknown }).kind;
      throw new CredentialsUnavailableError(`unsupported Azure auth kind "${String(kind)}"`);
    }
  }
}
