import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';

/**
 * SHA-256 and HMAC-SHA256 for the presign hot path, on Node's one-shot `crypto.hash` (20.12+).
 *
 * A `createHash`/`createHmac` chain builds a JavaScript object and a native context per call; on a
 * presigned URL those two objects cost about as much as everything else together. `crypto.hash`
 * takes a string or buffer and returns the digest, and HMAC (RFC 2104) is two such hashes over the
 * key padded with 0x36 and 0x5c bytes: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). Where `crypto.hash` is
 * missing (Node 20 before 20.12) both fall back to the classic API. Outputs are identical either
 * way (test/resolvers/hmac-sha256.test.ts compares them with `createHmac` over generated keys and
 * messages).
 */

type OneShotHash = (algorithm: string, data: string | Uint8Array, outputEncoding: 'hex' | 'base64' | 'latin1') => string;
const oneShot = (crypto as { hash?: OneShotHash }).hash;

const BLOCK_BYTES = 64;
const DIGEST_BYTES = 32;
const ASCII = /^[\x00-\x7f]*$/;

/** SHA-256 of the UTF-8 bytes of `text`, hex. */
export const sha256Hex: (text: string) => string = oneShot
  ? (text) => oneShot('sha256', text, 'hex')
  : (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * HMAC-SHA256 under one key, for many messages. The padded key blocks are built once and the
 * message is written into a buffer kept for its length, so a signature allocates nothing but its
 * result. Not re-entrant by design: every call finishes synchronously before the next can start.
 */
export class Sha256Hmac {
  readonly #key: Buffer;
  /** K ⊕ ipad, then room for the message (reallocated when a message of another length comes). */
  #inner: Buffer;
  /** K ⊕ opad, then the inner digest. */
  readonly #outer: Buffer;

  constructor(key: Uint8Array) {
    // RFC 2104: a key longer than the block is replaced by its hash; a shorter one is zero-padded.
    this.#key = key.byteLength > BLOCK_BYTES ? createHash('sha256').update(key).digest() : Buffer.from(key);
    this.#inner = Buffer.alloc(BLOCK_BYTES);
    this.#outer = Buffer.alloc(BLOCK_BYTES + DIGEST_BYTES);
    for (let i = 0; i < BLOCK_BYTES; i++) {
      const k = this.#key[i] ?? 0;
      this.#inner[i] = k ^ 0x36;
      this.#outer[i] = k ^ 0x5c;
    }
  }

  /**
   * The HMAC of `message`'s UTF-8 bytes. `ascii: true` is the caller's promise that the message is
   * ASCII (a SigV4 string to sign, whose only variable parts were checked once), which spares the
   * check on every call; any other message is checked, and one that is not ASCII takes `createHmac`.
   */
  digest(message: string, encoding: 'hex' | 'base64', ascii = false): string {
    if (oneShot === undefined || !(ascii || ASCII.test(message))) return createHmac('sha256', this.#key).update(message, 'utf8').digest(encoding);
    let inner = this.#inner;
    if (inner.length !== BLOCK_BYTES + message.length) {
      const sized = Buffer.alloc(BLOCK_BYTES + message.length);
      inner.copy(sized, 0, 0, BLOCK_BYTES);
      this.#inner = inner = sized;
    }
    // ASCII is the same in latin1 and UTF-8, one byte per character.
    inner.write(message, BLOCK_BYTES, message.length, 'latin1');
    this.#outer.write(oneShot('sha256', inner, 'latin1'), BLOCK_BYTES, DIGEST_BYTES, 'latin1');
    return oneShot('sha256', this.#outer, encoding);
  }
}

/** Whether `text` is all ASCII (checked once for the parts of a message that can vary). */
export function isAscii(text: string): boolean {
  return ASCII.test(text);
}
