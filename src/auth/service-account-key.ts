import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { InvalidIntegrationError } from '../errors.js';
import { inspectSymbol, REDACTED } from '../redact.js';

/**
 * A service-account JSON key, parsed once. The PEM is turned into a KeyObject at construction and
 * every signature reuses it: re-parsing a PEM costs about as much as the RSA signature itself.
 * The key never leaves this object: JSON.stringify and util.inspect show only the email.
 */
export class ServiceAccountKey {
  readonly clientEmail: string;
  readonly #key: KeyObject;

  constructor(credentials: { client_email: string; private_key: string }, field = 'auth.credentials') {
    if (typeof credentials?.client_email !== 'string' || !credentials.client_email.includes('@')) {
      throw new InvalidIntegrationError(`${field}.client_email`, 'must be a service account email');
    }
    this.clientEmail = credentials.client_email;
    try {
      // JSON keys sometimes arrive with literal "\n" sequences (copied through env vars).
      this.#key = createPrivateKey(credentials.private_key.includes('\\n') ? credentials.private_key.replace(/\\n/g, '\n') : credentials.private_key);
    } catch {
      // Never echo the parser's message: it can quote parts of the key.
      throw new InvalidIntegrationError(`${field}.private_key`, 'is not a PEM RSA private key');
    }
    if (this.#key.asymmetricKeyType !== 'rsa') throw new InvalidIntegrationError(`${field}.private_key`, 'must be an RSA key');
  }

  /** RSA-SHA256 (PKCS#1 v1.5) signature, as GOOG4-RSA-SHA256 and RS256 JWTs need. */
  sign(data: string | Uint8Array): Buffer {
    return sign('sha256', typeof data === 'string' ? Buffer.from(data) : data, this.#key);
  }

  /**
   * A self-signed JWT access token (Google accepts these instead of an OAuth exchange, see
   * "Addendum: Service account authorization without OAuth"). `scope` limits what it may do;
   * without scope, `audience` names the API it is for.
   */
  selfSignedJwt(claims: { scope?: string; audience?: string; issuedAt: number; lifetimeSeconds: number }): string {
    const iat = Math.floor(claims.issuedAt / 1000);
    const header = { alg: 'RS256', typ: 'JWT' };
    const payload: Record<string, unknown> = { iss: this.clientEmail, sub: this.clientEmail, iat, exp: iat + claims.lifetimeSeconds };
    if (claims.scope) payload.scope = claims.scope;
    if (claims.audience) payload.aud = claims.audience;
    const unsigned = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    return `${unsigned}.${this.sign(unsigned).toString('base64url')}`;
  }

  toJSON(): Record<string, string> { return { clientEmail: this.clientEmail, privateKey: REDACTED }; }
  [inspectSymbol](): string { return `ServiceAccountKey { clientEmail: '${this.clientEmail}', privateKey: ${REDACTED} }`; }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}

/**
 * Keys are parsed once per credentials object: integrations are immutable once registered, so the
 * object identity is a safe cache key and nothing of the PEM is kept as a map key.
 */
const parsed = new WeakMap<object, ServiceAccountKey>();

export function serviceAccountKeyFor(credentials: { client_email: string; private_key: string }, field?: string): ServiceAccountKey {
  let key = parsed.get(credentials);
  if (!key) {
    key = new ServiceAccountKey(credentials, field);
    parsed.set(credentials, key);
  }
  return key;
}
