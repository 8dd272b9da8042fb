import { constants, createHash, createVerify, X509Certificate } from 'node:crypto';
import type { DecodedJwt } from './jwt.js';

/**
 * How the fake Entra checks a certificate client assertion, as Microsoft Entra does
 * (https://learn.microsoft.com/entra/identity-platform/certificate-credentials): a JWT whose header
 * names a certificate registered on the app by thumbprint (`x5t` = SHA-1 or `x5t#S256` =
 * SHA-256 of the DER certificate, base64url), signed with that certificate's private key (RS256
 * or PS256), with `iss` = `sub` = the client id, `aud` = the token endpoint, a `jti`, and a valid
 * lifetime. An app that uses subject name/issuer authentication also needs the chain (`x5c`).
 */

export interface RegisteredCertificate {
  /** The public certificate, PEM (what `az ad app credential reset --cert` uploads). */
  pem: string;
}

export interface CertificateCheckContext {
  clientId: string;
  tokenEndpoint: string;
  certificates: RegisteredCertificate[];
  /** Subject name/issuer authentication: the assertion must carry the chain (`x5c`). */
  requireChain: boolean;
  nowSeconds: number;
}

export interface CertificateAssertionResult {
  ok: boolean;
  /** Entra error code when refused. */
  code?: number;
  reason?: string;
  /** SHA-1 thumbprint (upper-case hex) of the certificate that signed. */
  thumbprint?: string;
  /** Which thumbprint header was sent. */
  thumbprintHeader?: 'x5t' | 'x5t#S256';
  /** Whether the chain (`x5c`) was sent. */
  chainSent?: boolean;
}

interface CertHeader { alg?: string; x5t?: string; 'x5t#S256'?: string; x5c?: string[] | string }

/** True when the assertion names a certificate (rather than being a federated OIDC token). */
export function isCertificateAssertion(jwt: DecodedJwt): boolean {
  const header = jwt.header as CertHeader;
  return header.x5t !== undefined || header['x5t#S256'] !== undefined;
}

export function checkCertificateAssertion(jwt: DecodedJwt, ctx: CertificateCheckContext): CertificateAssertionResult {
  const header = jwt.header as CertHeader;
  const refuse = (code: number, reason: string): CertificateAssertionResult => ({ ok: false, code, reason });
  const registered = ctx.certificates.map((c) => new X509Certificate(c.pem));
  const thumbprintHeader = header['x5t#S256'] !== undefined ? 'x5t#S256' : 'x5t';
  const given = header[thumbprintHeader];
  const algorithm = thumbprintHeader === 'x5t#S256' ? 'sha256' : 'sha1';
  const cert = registered.find((c) => createHash(algorithm).update(c.raw).digest('base64url') === given);
  if (!cert) return refuse(700027, `Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '${String(given)}']`);
  const chain = header.x5c === undefined ? undefined : Array.isArray(header.x5c) ? header.x5c : [header.x5c];
  if (ctx.requireChain) {
    if (!chain || chain.length === 0) return refuse(700027, 'Client assertion failed signature validation: the app uses subject name and issuer authentication, which needs the x5c header.');
    if (!Buffer.from(chain[0]!, 'base64').equals(cert.raw)) return refuse(700027, 'Client assertion failed signature validation: x5c does not start with the certificate named by the thumbprint.');
  }
  const verifier = createVerify('RSA-SHA256').update(jwt.signingInput);
  let valid = false;
  try {
    if (header.alg === 'RS256') valid = verifier.verify(cert.publicKey, jwt.signature);
    else if (header.alg === 'PS256') valid = verifier.verify({ key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
  } catch {
    valid = false;
  }
  if (!valid) return refuse(700027, 'Client assertion failed signature validation.');
  const { iss, sub, aud, exp, nbf, jti } = jwt.claims;
  if (iss !== ctx.clientId || sub !== ctx.clientId) return refuse(700023, `Client assertion issuer and subject must be the client id '${ctx.clientId}'.`);
  if (aud !== ctx.tokenEndpoint) return refuse(700021, `Client assertion audience claim does not match Realm issuer. Expected '${ctx.tokenEndpoint}'.`);
  if (typeof jti !== 'string' || jti === '') return refuse(50027, 'JWT token is invalid or malformed: no jti.');
  const skew = 300;
  if (typeof exp !== 'number' || exp + skew < ctx.nowSeconds || (typeof nbf === 'number' && nbf - skew > ctx.nowSeconds)) {
    return refuse(700024, 'Client assertion is not within its valid time range.');
  }
  const validTo = Date.parse(cert.validTo) / 1000;
  if (validTo < ctx.nowSeconds) return refuse(700027, 'Client assertion contains an invalid signature. [Reason - The key used is expired.]');
  return {
    ok: true,
    thumbprint: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
    thumbprintHeader,
    chainSent: chain !== undefined && chain.length > 0,
  };
}
