import { describe, expect, it } from 'vitest';
import { compareUtf8 } from '../../../src/testing/aws/s3-keys.js';
import { SortedKeyIndex } from '../../../src/testing/aws/s3-sorted-keys.js';
import { seededRandom } from '../../helpers/prng.js';

/** The key index behind the fake's listings: UTF-8 byte order, kept sorted under inserts and deletes. */

const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
const ALPHABET = ['a', 'b', '/', '-', '.', '0', 'é', '\u00ff', '\u0100', '\uE000', '\uFFFD', '\uFFFF', '\u{10000}', '\u{1F600}', '\u{10FFFF}'];

function randomKey(random: () => number): string {
  let key = '';
  const length = 1 + Math.floor(random() * 6);
  for (let i = 0; i < length; i++) key += ALPHABET[Math.floor(random() * ALPHABET.length)];
  return key;
}

describe('compareUtf8', () => {
  it('orders like the UTF-8 bytes, not like JavaScript strings', () => {
    const random = seededRandom(7);
    const wrong: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const a = randomKey(random);
      const b = randomKey(random);
      if (Math.sign(compareUtf8(a, b)) !== Math.sign(byBytes(a, b))) wrong.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    }
    expect(wrong).toEqual([]);
    // The case JavaScript gets wrong: U+FFFD (3 UTF-8 bytes) sorts before U+1F600 (4 bytes, a surrogate pair in UTF-16).
    expect(compareUtf8('\uFFFD', '\u{1F600}')).toBeLessThan(0);
    expect('\uFFFD' < '\u{1F600}').toBe(false);
  });
});

describe('SortedKeyIndex', () => {
  it('stays sorted and exact through random inserts and deletes, and seeks like a sorted array', () => {
    const random = seededRandom(11);
    const index = new SortedKeyIndex();
    const reference = new Set<string>();
    for (let step = 0; step < 30_000; step++) {
      const key = randomKey(random);
      const present = reference.has(key);
      if (random() < 0.6) {
        if (index.insert(key) === present) throw new Error(`insert(${JSON.stringify(key)}) disagreed at step ${step}`);
        reference.add(key);
      } else {
        if (index.delete(key) !== present) throw new Error(`delete(${JSON.stringify(key)}) disagreed at step ${step}`);
        reference.delete(key);
      }
      if (index.size !== reference.size) throw new Error(`size ${index.size} ≠ ${reference.size} at step ${step}`);
    }
    const sorted = [...reference].sort(byBytes);
    const listed: string[] = [];
    for (let c = index.first(), k = c.key; k !== undefined; c.next(), k = c.key) listed.push(k);
    expect(listed).toEqual(sorted);
    const wrong: string[] = [];
    for (let i = 0; i < 500; i++) {
      const probe = randomKey(random);
      if (index.seek(probe, true).key !== sorted.find((k) => byBytes(k, probe) >= 0)) wrong.push(`seek≥ ${probe}`);
      if (index.seek(probe, false).key !== sorted.find((k) => byBytes(k, probe) > 0)) wrong.push(`seek> ${probe}`);
      if (index.seekPastPrefix(probe).key !== sorted.find((k) => byBytes(k, probe) > 0 && !k.startsWith(probe))) wrong.push(`past ${probe}`);
    }
    expect(wrong).toEqual([]);
    expect(sorted.length).toBeGreaterThan(1000);
  });

  it('appends keys that arrive in order without reordering anything', () => {
    const index = new SortedKeyIndex();
    const keys = Array.from({ length: 5000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
    for (const key of keys) index.insert(key);
    index.insert('k00000a');
    const listed: string[] = [];
    for (let c = index.first(), k = c.key; k !== undefined; c.next(), k = c.key) listed.push(k);
    expect(listed).toEqual([...keys, 'k00000a'].sort(byBytes));
  });
});
