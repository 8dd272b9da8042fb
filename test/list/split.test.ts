import { afterAll, describe, expect, it } from 'vitest';
import { compareKeys, createAssetResolver, type ListedEntry } from '../../src/index.js';
import { memoryStore, putMemoryObject } from '../../src/resolvers/memory-store.js';
import { failure } from '../helpers/failure.js';
import { seededRandom } from '../helpers/prng.js';

const resolver = createAssetResolver({ integrations: [{ id: 'split', provider: 'memory', mode: 'read-only', scope: { bucket: 'split-bucket', prefix: 'data' } }] });
afterAll(() => resolver.close());

const PIECES = ['a', 'b', '-', '.', '0', '9', 'x', 'caf\u00e9', '\uFF46', '\u{1F600}', '\uFFFD', ' ', '+'];

async function keysOf(iterable: AsyncIterable<ListedEntry>): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of iterable) keys.push(entry.key);
  return keys;
}

function fill(bucket: string, keys: Iterable<string>): void {
  memoryStore(bucket).clear();
  for (const key of keys) putMemoryObject(bucket, key, new Uint8Array(1));
}

describe('splitListing', () => {
  it('property: for random key sets and n, the ranges\' listings together are the listing, each key once (200 cases)', async () => {
    const random = seededRandom(2024);
    for (let round = 0; round < 200; round++) {
      const keys = new Set<string>();
      const count = Math.floor(random() ** 2 * 3000);
      const depth = 1 + Math.floor(random() * 4);
      while (keys.size < count) {
        const segments = Array.from({ length: 1 + Math.floor(random() * depth) }, () =>
          Array.from({ length: 1 + Math.floor(random() * 3) }, () => PIECES[Math.floor(random() * PIECES.length)]).join(''));
        keys.add(`data/${segments.join('/')}${random() < 0.05 ? '/' : ''}`);
      }
      fill('split-bucket', keys);
      const n = 1 + Math.floor(random() * 12);
      const maxRequests = 1 + Math.floor(random() * 20);
      const ranges = await resolver.splitListing('memory://split-bucket/data/', n, { maxRequests });
      expect(ranges.length).toBeGreaterThanOrEqual(1);
      expect(ranges.length).toBeLessThanOrEqual(n);
      const parts = await Promise.all(ranges.map((r) => keysOf(resolver.list('memory://split-bucket/data/', r))));
      const expected = await keysOf(resolver.list('memory://split-bucket/data/'));
      expect(parts.flat(), `round ${round}: ${JSON.stringify(ranges)}`).toEqual(expected);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.startAfter).toBe(ranges[i - 1]!.endBefore!.slice(0, -1));
    }
  }, 120_000);

  it('cuts a wide bucket between its folders from one shallow listing', async () => {
    const keys: string[] = [];
    for (let f = 0; f < 100; f++) for (let i = 0; i < 30; i++) keys.push(`data/f${String(f).padStart(3, '0')}/${i}.bin`);
    fill('split-bucket', keys);
    const ranges = await resolver.splitListing('memory://split-bucket/data/', 4);
    expect(ranges).toHaveLength(4);
    const sizes = await Promise.all(ranges.map(async (r) => (await keysOf(resolver.list('memory://split-bucket/data/', r))).length));
    expect(sizes).toEqual([750, 750, 750, 750]);
  });

  it('samples a flat folder of many objects (no subfolders) into even ranges', async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `data/img_${String(i).padStart(6, '0')}.jpg`);
    fill('split-bucket', keys);
    const ranges = await resolver.splitListing('memory://split-bucket/data/', 4);
    expect(ranges).toHaveLength(4);
    const sizes = await Promise.all(ranges.map(async (r) => (await keysOf(resolver.list('memory://split-bucket/data/', r))).length));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(20_000);
    // Sampling by the next character of the keys gives folders of 1,000: every range holds 4,000–6,000.
    for (const size of sizes) expect(size).toBeGreaterThanOrEqual(4_000), expect(size).toBeLessThanOrEqual(6_000);
  });

  it('gives one range for n = 1 or an empty folder, and refuses a bad n', async () => {
    fill('split-bucket', []);
    expect(await resolver.splitListing('memory://split-bucket/data/', 1)).toEqual([{}]);
    expect(await resolver.splitListing('memory://split-bucket/data/', 8)).toEqual([{}]);
    for (const n of [0, -1, 1.5, 100_001]) expect((await failure(resolver.splitListing('memory://split-bucket/data/', n))).code).toBe('INVALID_ARGUMENT');
    expect((await failure(resolver.splitListing('memory://split-bucket/', 4))).code).toBe('OUT_OF_SCOPE');
  });

  it('ranges are sorted, exclusive, and usable by list() as they are (JSON round trip included)', async () => {
    fill('split-bucket', ['data/a', 'data/b', 'data/c/d', 'data/e']);
    const ranges = JSON.parse(JSON.stringify(await resolver.splitListing('memory://split-bucket/data/', 3))) as Array<{ startAfter?: string; endBefore?: string }>;
    for (const r of ranges) if (r.startAfter !== undefined && r.endBefore !== undefined) expect(compareKeys(r.startAfter, r.endBefore)).toBeLessThan(0);
    const parts = await Promise.all(ranges.map((r) => keysOf(resolver.list('memory://split-bucket/data/', r))));
    expect(parts.flat()).toEqual(['data/a', 'data/b', 'data/c/d', 'data/e']);
  });
});
