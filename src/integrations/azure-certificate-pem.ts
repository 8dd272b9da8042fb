import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';

/**
 * The PEM of an Azure `client-certificate` integration: a private key plus the certificate (and
 * optionally its chain), as `az ad sp create-for-rbac --create-cert` and Key Vault PEM exports
 * write them. Parsed locally; the messages never quote the PEM.
 */
export interface ParsedClientCertificate {
  privateKey: KeyObject;
  /** The leaf certificate (the one whose key signs), first certificate in the PEM. */
  certificate: X509Certificate;
  /** Every certificate in the PEM, leaf first, DER base64 (for x5c). */
  chain: string[];
  /** SHA-1 thumbprint of the leaf, upper-case hex (what the portal shows). */
  thumbprint: string;
}

const CERT = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END CERTIFICATE-----/g;
const KEY = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/;

/** Thrown with a message meant for `auth.certificate` (no PEM content in it). */
export class CertificatePemError extends Error {}

export function parseClientCertificatePem(pem: string, now: number = Date.now()): ParsedClientCertificate {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN')) throw new CertificatePemError('is not PEM (expected "-----BEGIN PRIVATE KEY-----" and "-----BEGIN CERTIFICATE-----" blocks)');
  if (pem.includes('ENCRYPTED PRIVATE KEY')) throw new CertificatePemError('holds an encrypted private key: decrypt it (openssl pkcs8 -in key.pem -nocrypt) — keep it in the platform\'s vault instead of behind a password');
  const keyPem = KEY.exec(pem)?.[0];
  if (!keyPem) throw new CertificatePemError('holds no private key: it must contain the private key ("-----BEGIN PRIVATE KEY-----") as well as the certificate');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keyPem);
  } catch {
    throw new CertificatePemError('holds a private key block that cannot be read (malformed PEM)');
  }
  if (privateKey.asymmetricKeyType !== 'rsa') throw new CertificatePemError(`holds a ${privateKey.asymmetricKeyType ?? 'non-RSA'} key: Microsoft Entra client certificates must be RSA`);
  const chain = [...pem.matchAll(CERT)].map((m) => m[1]!.replace(/[\r\n]/g, ''));
  if (chain.length === 0) throw new CertificatePemError('holds no certificate: it must contain the certificate ("-----BEGIN CERTIFICATE-----") as well as the private key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(Buffer.from(chain[0]!, 'base64'));
  } catch {
    throw new CertificatePemError('holds a certificate block that cannot be read (malformed PEM)');
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new CertificatePemError('holds a private key that does not belong to its (first) certificate');
  const validTo = Date.parse(certificate.validTo);
  if (!Number.isNaN(validTo) && validTo <= now) throw new CertificatePemError(`holds a certificate that expired on ${new Date(validTo).toISOString()}: Microsoft Entra refuses it`);
  const thumbprint = createHash('sha1').update(certificate.raw).digest('hex').toUpperCase();
  return { privateKey, certificate, chain, thumbprint };
}
