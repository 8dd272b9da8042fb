import { missingDependency } from '../../optional-import.js';

/** PEM material for a loopback HTTPS server and the CA its clients must trust. */
export interface TestCertificate {
  /** Certificate clients trust (the certificate is its own CA). */
  ca: string;
  /** Server certificate chain, PEM. */
  cert: string;
  /** Server private key, PEM. */
  key: string;
}

/** Options of `createTestCertificate`. */
export interface TestCertificateOptions {
  /** Extra DNS names besides `localhost`. */
  dnsNames?: string[];
  /** Extra IP addresses besides 127.0.0.1 and ::1. */
  ipAddresses?: string[];
  /** Validity in days. Default 2: long enough for any test run, useless if it leaks. */
  days?: number;
}

interface SelfsignedModule {
  generate(
    attrs: Array<{ name: string; value: string }>,
    options: { keySize: number; algorithm: string; days: number; extensions: unknown[] },
  ): { private: string; cert: string };
}

/**
 * Generates, in-process, a self-signed certificate for 127.0.0.1 / localhost. It is its own trust
 * anchor, so handing `ca` to a client (https.Agent `ca`, undici `connect.ca`) trusts exactly this
 * server and nothing else; nothing touches NODE_TLS_REJECT_UNAUTHORIZED or the global store.
 */
export async function createTestCertificate(options: TestCertificateOptions = {}): Promise<TestCertificate> {
  const mod = await import('selfsigned').catch(missingDependency('selfsigned'));
  const selfsigned = ((mod as { default?: SelfsignedModule }).default ?? mod) as SelfsignedModule;
  const altNames = [
    ...['localhost', ...(options.dnsNames ?? [])].map((value) => ({ type: 2, value })),
    ...['127.0.0.1', '::1', ...(options.ipAddresses ?? [])].map((ip) => ({ type: 7, ip })),
  ];
  const generated = selfsigned.generate([{ name: 'commonName', value: 'assetlink test server' }], {
    keySize: 2048,
    algorithm: 'sha256',
    days: options.days ?? 2,
    extensions: [
      // cA so the same certificate can be the trust anchor handed to clients.
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { ca: generated.cert, cert: generated.cert, key: generated.private };
}
