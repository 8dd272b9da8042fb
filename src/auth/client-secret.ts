import type { AccessToken, ClientSecretCredential } from '@azure/identity';
import type { AzureAuth } from '../types.js';
import { isSecretCallback, readSecret } from './secret-value.js';
import { identityOptions, type AzureCredentialOptions, type AzureTokenStrategy, type IdentityModule } from './azure-identity.js';

type ClientSecretAuth = Extract<AzureAuth, { kind: 'client-secret' }>;

/**
 * A customer's app registration (Dataloop, Segments.ai) or the platform's multi-tenant app
 * consented into the customer's tenant (Scale), authenticating with a client secret
 * (`ClientSecretCredential`). The secret stays inside the SDK credential
 * (a private field); this object serialises as its tenant and client id only.
 */
export class ClientSecretTokenStrategy implements AzureTokenStrategy {
  readonly tenantId: string;
  readonly clientId: string;
  readonly #create: () => ClientSecretCredential | undefined;
  #credential: ClientSecretCredential | undefined;
  /** A vault callback for the secret: read on every token fetch (each one is a mint; the cache keeps the token). */
  readonly #fromVault: ((scope: string) => Promise<AccessToken>) | undefined;

  constructor(identity: IdentityModule, auth: ClientSecretAuth, options: AzureCredentialOptions) {
    this.tenantId = auth.tenantId;
    this.clientId = auth.clientId;
    const settings = identityOptions(options);
    const secret = auth.clientSecret;
    const make = (value: string): ClientSecretCredential => new identity.ClientSecretCredential(auth.tenantId, auth.clientId, value, settings);
    this.#fromVault = isSecretCallback(secret)
      ? async (scope) => make(await readSecret(secret, 'auth.clientSecret', { describe: `app ${auth.clientId} in tenant ${auth.tenantId}` })).getToken(scope)
      : undefined;
    this.#create = () => (typeof secret === 'string' ? make(secret) : undefined);
    this.#credential = this.#create();
  }

  fetchToken(scope: string): Promise<AccessToken> {
    if (this.#fromVault) return this.#fromVault(scope);
    return this.#credential!.getToken(scope);
  }

  reset(): void { this.#credential = this.#create(); }

  toJSON(): Record<string, string> { return { kind: 'client-secret', tenantId: this.tenantId, clientId: this.clientId }; }
}
