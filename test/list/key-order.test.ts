import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../src/index.js';
import { lowerBound, sortUtf8 } from '../../src/resolvers/key-order.js';
import { seededRandom } from '../helpers/prng.js';

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');
const sign = (n: number): number => Math.sign(n);

/** Characters chosen where UTF-16 and UTF-8 order disagree, plus `/` and its neighbours. */
const ALPHABET = ['a', 'b', '-', '.', '/', '0', '\u00e9', '\u65e5', '\uE000', '\uFF46', '\uFFFD', '\u{1F600}', '\u{10FFFF}', '\u{10000}', '\u0000'];

function randomKey(random: () => number): string {
  let key = '';
  const length = Math.floor(random() * 6);
  for (let i = 0; i < length; i++) key += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return key;
}

describe('compareKeys (UTF-8 byte order)', () => {
  it('agrees with comparing the UTF-8 bytes, for 20,000 random pairs', () => {
    const random = seededRandom(14);
    for (let i = 0; i < 20_000; i++) {
      const a = randomKey(random);
      const b = randomKey(random);
      expect(sign(compareKeys(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(sign(Buffer.compare(bytes(a), bytes(b))));
    }
  });

  it('orders the cases JavaScript gets wrong', () => {
    // UTF-16 code units: U+1F600 is D83D DE00, below U+FF46; in UTF-8 it is F0 9F 98 80, above EF BD 86.
    expect('\u{1F600}' < '\uFF46').toBe(true);
    expect(compareKeys('\u{1F600}', '\uFF46')).toBeGreaterThan(0);
    expect(['a/b', 'a-b', 'a.b', 'a0', 'a'].sort(compareKeys)).toEqual(['a', 'a-b', 'a.b', 'a/b', 'a0']);
  });

  it('sortUtf8 sorts like Buffer.compare and lowerBound finds bounds in it', () => {
    const random = seededRandom(7);
    const keys = [...new Set(Array.from({ length: 500 }, () => randomKey(random)))];
    const expected = [...keys].sort((a, b) => Buffer.compare(bytes(a), bytes(b)));
    expect(sortUtf8([...keys])).toEqual(expected);
    for (const probe of keys.slice(0, 50)) {
      const i = lowerBound(expected, probe, true);
      expect(expected[i]).toBe(probe);
      expect(lowerBound(expected, probe, false)).toBe(i + 1);
    }
  });
});
