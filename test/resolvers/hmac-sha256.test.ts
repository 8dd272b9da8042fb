import { createHash, createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isAscii, Sha256Hmac, sha256Hex } from '../../src/resolvers/hmac-sha256.js';
import { seededRandom } from '../helpers/prng.js';

/** Strings of every kind a signer may meet: ASCII, Latin-1 above 0x7f, BMP, astral, lone surrogates. */
function message(random: () => number): string {
  const alphabets = ['abcXYZ019/-_.~\n', 'éüß\u00a0\u00ff', '猫日本語\u202e', '😀🐈', '\ud800', '\udfff'];
  const length = Math.floor(random() * 300);
  let out = '';
  for (let i = 0; i < length; i++) {
    const alphabet = random() < 0.85 ? alphabets[0]! : alphabets[Math.floor(random() * alphabets.length)]!;
    out += [...alphabet][Math.floor(random() * [...alphabet].length)]!;
  }
  return out;
}

describe('one-shot SHA-256 and HMAC-SHA256', () => {
  it('equal createHash / createHmac over 3,000 generated keys and messages (ASCII and not, lengths changing between calls)', () => {
    const random = seededRandom(19);
    for (let round = 0; round < 300; round++) {
      // Key lengths around the 64-byte block: shorter keys are padded, longer ones hashed first.
      const key = randomBytes([0, 1, 31, 32, 63, 64, 65, 100][round % 8]!);
      const hmac = new Sha256Hmac(key);
      for (let i = 0; i < 10; i++) {
        const text = message(random);
        expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'));
        for (const encoding of ['hex', 'base64'] as const) {
          expect(hmac.digest(text, encoding)).toBe(createHmac('sha256', key).update(text, 'utf8').digest(encoding));
          if (isAscii(text)) expect(hmac.digest(text, encoding, true)).toBe(createHmac('sha256', key).update(text, 'utf8').digest(encoding));
        }
      }
    }
  });

  it('a non-ASCII message is never signed as latin1 bytes unless the caller vouched for it', () => {
    const key = randomBytes(32);
    const hmac = new Sha256Hmac(key);
    for (const text of ['é', 'caf\u00e9', '\u0100', '🐈', '\ud800x']) {
      expect(isAscii(text)).toBe(false);
      expect(hmac.digest(text, 'hex')).toBe(createHmac('sha256', key).update(text, 'utf8').digest('hex'));
    }
  });

  it('the key is not copied into inspect or JSON output', () => {
    const key = Buffer.from('k'.repeat(32));
    const hmac = new Sha256Hmac(key);
    hmac.digest('x', 'hex');
    expect(JSON.stringify(hmac)).toBe('{}');
    expect(inspect(hmac, { showHidden: true, depth: 5 })).not.toMatch(/6b6b|kkkk|Buffer/);
  });

  it('a key changed by its owner afterwards changes nothing', () => {
    const key = Buffer.from('a'.repeat(32));
    const hmac = new Sha256Hmac(key);
    const before = hmac.digest('message', 'hex');
    key.fill(0);
    expect(hmac.digest('message', 'hex')).toBe(before);
    expect(before).toBe(createHmac('sha256', 'a'.repeat(32)).update('message').digest('hex'));
  });
});
