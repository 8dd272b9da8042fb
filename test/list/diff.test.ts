import { describe, expect, it } from 'vitest';
import { compareKeys, diffListings, type ListedObject, type ListingChange } from '../../src/index.js';
import { failure } from '../helpers/failure.js';
import { seededRandom } from '../helpers/prng.js';

const NAMES = ['a', 'a-b', 'a.b', 'a/b', 'a0', 'b', 'caf\u00e9', '\u65e5', '\uFF46', '\u{1F600}', '\uFFFD', 'z/\u{10000}', 'x y', 'x+y'];

function object(key: string, version: number): ListedObject {
  return { kind: 'object', key, uri: `s3://b/${key}`, size: 10 + (version % 3), etag: `"e${version}"`, lastModified: new Date(1_700_000_000_000 + version * 1000) };
}

async function collect(iterable: AsyncIterable<ListingChange>): Promise<ListingChange[]> {
  const out: ListingChange[] = [];
  for await (const change of iterable) out.push(change);
  return out;
}

async function* asAsync<T>(items: T[]): AsyncGenerator<T> { for (const item of items) yield item; }

describe('diffListings', () => {
  it('property: random before/after listings → exactly the set difference, in key order (500 cases)', async () => {
    const random = seededRandom(1414);
    for (let round = 0; round < 500; round++) {
      const universe = new Set<string>();
      const size = Math.floor(random() * 40);
      while (universe.size < size) {
        const key = Array.from({ length: 1 + Math.floor(random() * 3) }, () => NAMES[Math.floor(random() * NAMES.length)]).join('/');
        universe.add(key);
      }
      const before = new Map<string, ListedObject>();
      const after = new Map<string, ListedObject>();
      for (const key of universe) {
        const r = random();
        if (r < 0.35) before.set(key, object(key, 1));
        if (r > 0.25) after.set(key, object(key, r > 0.8 ? 2 + Math.floor(random() * 3) : 1));
      }
      const sortedValues = (m: Map<string, ListedObject>) => [...m.values()].sort((x, y) => compareKeys(x.key, y.key));
      const b = sortedValues(before);
      const a = sortedValues(after);
      // Mix sync and async sources.
      const changes = await collect(diffListings(round % 2 ? b : asAsync(b), round % 3 ? asAsync(a) : a));

      const expected: ListingChange[] = [];
      for (const key of [...universe].sort(compareKeys)) {
        const x = before.get(key);
        const y = after.get(key);
        if (x && !y) expected.push({ kind: 'removed', object: x });
        else if (!x && y) expected.push({ kind: 'added', object: y });
        else if (x && y && (x.etag !== y.etag || x.size !== y.size || x.lastModified!.getTime() !== y.lastModified!.getTime())) expected.push({ kind: 'changed', object: y });
      }
      expect(changes).toEqual(expected);
    }
  });

  it('compares keys in UTF-8 byte order, not JavaScript string order', async () => {
    // In UTF-8 order U+FF46 comes before U+1F600; a merge in UTF-16 order would pair them wrongly.
    const before = [object('\uFF46', 1), object('\u{1F600}', 1)];
    const after = [object('\uFF46', 1), object('\u{1F600}', 2)];
    expect(await collect(diffListings(before, after))).toEqual([{ kind: 'changed', object: after[1] }]);
    await expect(collect(diffListings([object('\u{1F600}', 1), object('\uFF46', 1)], []))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('throws a typed error naming the keys when an input is not sorted or repeats a key', async () => {
    const unsorted = await failure(collect(diffListings([object('b', 1), object('a', 1)], [])));
    expect(unsorted.code).toBe('INVALID_ARGUMENT');
    expect(unsorted.message).toMatch(/before listing is not sorted.*"a" came after "b"/);
    const twice = await failure(collect(diffListings([], asAsync([object('a', 1), object('a', 2)]))));
    expect(twice.message).toMatch(/after listing .*a key twice/);
    const prefix = await failure(collect(diffListings([{ kind: 'prefix', key: 'a/', uri: 's3://b/a/' } as unknown as ListedObject], [])));
    expect(prefix.message).toMatch(/recursive/);
  });

  it('treats a changed etag, size or lastModified (Date or ISO string) as changed, and equal ones as unchanged', async () => {
    const base = object('k', 1);
    const variants: ListedObject[] = [{ ...base, etag: '"other"' }, { ...base, size: 999 }, { ...base, lastModified: new Date(0) }];
    for (const v of variants) expect(await collect(diffListings([base], [v]))).toEqual([{ kind: 'changed', object: v }]);
    const revived = { ...base, lastModified: base.lastModified!.toISOString() } as unknown as ListedObject;
    expect(await collect(diffListings([base], [revived]))).toEqual([]);
  });

  it('streams: pulls one object of each side at a time, so a huge listing is never held', async () => {
    let pulled = 0;
    async function* many(): AsyncGenerator<ListedObject> {
      for (let i = 0; i < 1_000_000; i++) { pulled++; yield object(`k${String(i).padStart(7, '0')}`, 1); }
    }
    const iterator = diffListings([], many())[Symbol.asyncIterator]();
    for (let i = 0; i < 10; i++) await iterator.next();
    await iterator.return?.();
    expect(pulled).toBeLessThanOrEqual(11);
  });
});
