import { createRequire } from 'node:module';

/**
 * s3rver 4 (inside today's FakeS3Server) seals ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node ≥ 17) refuses: every truncated listing page is answered with a 500. Clients never
 * look inside the token, so while s3rver is still the store behind the fake, its DES calls get an
 * identity transform (the token stays opaque to the client either way). Only CommonJS callers of
 * `crypto.createCipheriv('des', …)` are affected — that is s3rver alone; every other algorithm, and
 * every ESM import of node:crypto, is untouched. Once the fake no longer uses s3rver this is inert.
 */
export function allowS3rverContinuationTokens(): void {
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto') & { __s3rverTokens?: boolean };
  if (crypto.__s3rverTokens) return;
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return; // DES works here (legacy provider loaded): nothing to do.
  } catch { /* OpenSSL 3 without the legacy provider */ }
  const identity = () => ({
    update: (data: string | Buffer, encoding?: BufferEncoding) => (typeof data === 'string' ? Buffer.from(data, encoding ?? 'utf8') : Buffer.from(data)),
    final: () => Buffer.alloc(0),
  });
  const realCipher = crypto.createCipheriv;
  const realDecipher = crypto.createDecipheriv;
  Object.assign(crypto, {
    createCipheriv: (algorithm: string, ...rest: unknown[]) => (algorithm === 'des' ? identity() : (realCipher as (...a: unknown[]) => unknown)(algorithm, ...rest)),
    createDecipheriv: (algorithm: string, ...rest: unknown[]) => (algorithm === 'des' ? identity() : (realDecipher as (...a: unknown[]) => unknown)(algorithm, ...rest)),
    __s3rverTokens: true,
  });
}
