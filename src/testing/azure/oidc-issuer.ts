import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { signJwt } from './jwt.js';

/** Options of `FakeOidcIssuer`. */
export interface OidcIssuerOptions {
  /** The `iss` claim, e.g. the platform's Cognito / OIDC issuer URL. */
  issuer?: string;
  /** Clock for `iat` / `exp`, epoch ms. */
  now?: () => number;
}

/** Options of `FakeOidcIssuer.mint`. */
export interface MintOptions {
  /** The `sub` claim a federated credential matches. */
  subject: string;
  /** Default `api://AzureADTokenExchange`, the audience Entra expects for federated credentials. */
  audience?: string;
  /** Seconds until `exp`. Default 600. */
  lifetimeSeconds?: number;
}

/** The audience Entra requires in federated assertions. */
export const ENTRA_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * Stands in for the platform's own OIDC issuer (e.g. Amazon Cognito in Sama's setup): holds an RSA
 * key and mints the signed JWT assertions that federated credentials present to Entra.
 */
export class FakeOidcIssuer {
  readonly issuer: string;
  /** PEM public key; give it to the fake Entra with `trustIssuer`. */
  readonly publicKeyPem: string;
  readonly #privateKey: KeyObject;
  readonly #kid = randomUUID();
  readonly #now: () => number;
  #minted = 0;

  constructor(options: OidcIssuerOptions = {}) {
    this.issuer = options.issuer ?? 'https://issuer.assetlink.test/platform';
    this.#now = options.now ?? Date.now;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.#privateKey = privateKey;
    this.publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** How many assertions have been minted (tests prove the assertion callback is called lazily). */
  get minted(): number { return this.#minted; }

  /** A signed JWT assertion for `subject`, as the platform's OIDC issuer would issue it. */
  mint(options: MintOptions): string {
    this.#minted++;
    const now = Math.floor(this.#now() / 1000);
    return signJwt({
      iss: this.issuer,
      sub: options.subject,
      aud: options.audience ?? ENTRA_FEDERATION_AUDIENCE,
      iat: now,
      nbf: now,
      exp: now + (options.lifetimeSeconds ?? 600),
      jti: randomUUID(),
    }, this.#privateKey, this.#kid);
  }
}
