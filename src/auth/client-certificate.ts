import type { AccessToken, ClientCertificateCredential } from '@azure/identity';
import { CredentialsUnavailableError } from '../errors.js';
import { CertificatePemError, parseClientCertificatePem } from '../integrations/azure-certificate-pem.js';
import type { AzureClientCertificateAuth } from '../types.js';
import { isSecretCallback, readSecret } from './secret-value.js';
import { identityOptions, type AzureCredentialOptions, type AzureTokenStrategy, type IdentityModule } from './azure-identity.js';

/**
 * An app registration authenticating with a certificate (`ClientCertificateCredential`): the
 * client assertion is a JWT signed with the certificate's private key, naming the certificate by
 * its thumbprint (and carrying the chain as `x5c` with `sendCertificateChain`, for subject
 * name/issuer authentication). For enterprises that forbid client secrets. The PEM stays inside
 * the SDK credential; this object serialises as its tenant and client id only.
 */
export class ClientCertificateTokenStrategy implements AzureTokenStrategy {
  readonly tenantId: string;
  readonly clientId: string;
  readonly #create: () => ClientCertificateCredential | undefined;
  #credential: ClientCertificateCredential | undefined;
  readonly #fromVault: ((scope: string) => Promise<AccessToken>) | undefined;

  constructor(identity: IdentityModule, auth: AzureClientCertificateAuth, options: AzureCredentialOptions) {
    this.tenantId = auth.tenantId;
    this.clientId = auth.clientId;
    const settings = { ...identityOptions(options), sendCertificateChain: auth.sendCertificateChain === true };
    const describe = `app ${auth.clientId} in tenant ${auth.tenantId}`;
    const make = (pem: string): ClientCertificateCredential => new identity.ClientCertificateCredential(auth.tenantId, auth.clientId, { certificate: pem }, settings);
    const pem = auth.certificate;
    this.#fromVault = isSecretCallback(pem)
      ? async (scope) => {
        const value = await readSecret(pem, 'auth.certificate', { describe });
        try {
          parseClientCertificatePem(value);
        } catch (error) {
          if (error instanceof CertificatePemError) throw new CredentialsUnavailableError(`the certificate callback of ${describe} returned a PEM that ${error.message}`);
          throw error;
        }
        return make(value).getToken(scope);
      }
      : undefined;
    this.#create = () => (typeof pem === 'string' ? make(pem) : undefined);
    this.#credential = this.#create();
  }

  fetchToken(scope: string): Promise<AccessToken> {
    if (this.#fromVault) return this.#fromVault(scope);
    return this.#credential!.getToken(scope);
  }

  reset(): void { this.#credential = this.#create(); }

  toJSON(): Record<string, string> { return { kind: 'client-certificate', tenantId: this.tenantId, clientId: this.clientId }; }
}
