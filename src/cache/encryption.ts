import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** AES-256-GCM with the cache key as associated data, so an entry cannot be replayed under another key. */
export class SealedBox {
  readonly #key: Buffer;

  constructor(key: Uint8Array | string) {
    const raw = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
    if (raw.length !== 32) throw new TypeError('encryptionKey must be 32 bytes (a Buffer, or base64 of 32 bytes)');
    this.#key = raw;
  }

  seal(plaintext: string, associated: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(associated));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** `undefined` for anything that does not authenticate: tampered, truncated, other key, other AAD. */
  open(sealed: string, associated: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64');
      if (raw.length < 29) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(associated));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  toJSON(): string { return '[REDACTED]'; }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return 'SealedBox [REDACTED]'; }
}
