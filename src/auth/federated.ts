import type { AccessToken, ClientAssertionCredential } from '@azure/identity';
import { CredentialsUnavailableError } from '../errors.js';
import type { AzureAuth } from '../types.js';
import { federatedTokenFile } from './federated-token-file.js';
import { identityOptions, type AzureCredentialOptions, type AzureTokenStrategy, type IdentityModule } from './azure-identity.js';

type FederatedAuth = Extract<AzureAuth, { kind: 'federated' }>;

/**
 * Workload identity federation: the platform presents a JWT from its own OIDC issuer (Cognito,
 * a projected token file, ...) to the customer's tenant for the customer's app registration,
 * through `ClientAssertionCredential`. No secret is shared with the customer.
 *
 * MSAL evaluates the assertion callback eagerly on every token request (even when it then
 * answers from its own cache, and more than once on the first request), so the user's callback is
 * wrapped: it is called at most once per `fetchToken`, and `fetchToken` is only called by the
 * credential cache when a new token is actually needed.
 */
export class FederatedTokenStrategy implements AzureTokenStrategy {
  readonly tenantId: string;
  readonly clientId: string;
  readonly #create: () => ClientAssertionCredential;
  #credential: ClientAssertionCredential;
  readonly #assertion: () => Promise<string>;
  #current: Promise<string> | undefined;

  constructor(identity: IdentityModule, auth: FederatedAuth, options: AzureCredentialOptions) {
    this.tenantId = auth.tenantId;
    this.clientId = auth.clientId;
    this.#assertion = auth.assertion !== undefined ? auth.assertion : federatedTokenFile(auth.tokenFile);
    const settings = identityOptions(options);
    this.#create = () => new identity.ClientAssertionCredential(auth.tenantId, auth.clientId, () => this.#assertionForThisRequest(), settings);
    this.#credential = this.#create();
  }

  reset(): void { this.#credential = this.#create(); }

  async fetchToken(scope: string): Promise<AccessToken> {
    this.#current = undefined;
    try {
      return await this.#credential.getToken(scope);
    } catch (error) {
      // Identity rewraps callback failures as generic errors; surface the typed one instead.
      const pending = this.#current as Promise<string> | undefined;
      const assertionFailure = await pending?.then(() => undefined, (e: unknown) => e);
      throw assertionFailure ?? error;
    } finally {
      this.#current = undefined;
    }
  }

  #assertionForThisRequest(): Promise<string> {
    this.#current ??= this.#callAssertion();
    return this.#current;
  }

  async #callAssertion(): Promise<string> {
    let assertion: unknown;
    try {
      assertion = await this.#assertion();
    } catch (error) {
      // The platform's own issuer failed (e.g. Cognito unreachable): worth retrying.
      if (error instanceof CredentialsUnavailableError) throw error; // already says what failed (e.g. the token file)
      const reason = error instanceof Error ? error.name : 'error';
      throw new CredentialsUnavailableError(`the federated assertion callback for app ${this.clientId} failed (${reason})`, { retryable: true });
    }
    if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
      throw new CredentialsUnavailableError(`the federated assertion callback for app ${this.clientId} did not return a JWT`);
    }
    return assertion;
  }

  toJSON(): Record<string, string> { return { kind: 'federated', tenantId: this.tenantId, clientId: this.clientId }; }
}
