import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeys, type AssetResolver, type ListedEntry, type ListOptions } from '../../src/index.js';
import { failure } from '../helpers/failure.js';

/**
 * The listing contract every provider passes, against its real protocol server (S3 fake, GCS
 * fake, Azurite) or store (memory, file). The fixture gives a resolver with a READ-ONLY
 * integration whose scope is folder `scope` of a bucket, a way to seed objects at full keys, and
 * optionally a way to make the next listing page requests fail.
 */
export interface ListingFixture {
  resolver: AssetResolver;
  integrationId: string;
  /** Full key of the integration's scope folder, without trailing slash (e.g. `images`). */
  scope: string;
  /** The canonical URI of a full key (or folder key) in the bucket. */
  uri(key: string): string;
  /** Puts objects at these full keys (in scope or not), straight into the store. */
  seed(keys: string[]): Promise<void>;
  /** Makes the next page request(s) of a listing fail as the service would under trouble (5xx). */
  failNextListPage?(): void;
  /** Undoes failNextListPage if it was not consumed. */
  clearFaults?(): void;
  close(): Promise<void>;
}

const BIG_FOLDER = 'bulk';
/** 13 × 10 × 20 = 2,600 objects across nested folders, plus a few at the top of the scope. */
function bulkKeys(scope: string): string[] {
  const keys: string[] = [];
  for (let d = 0; d < 13; d++) {
    for (let s = 0; s < 10; s++) {
      for (let f = 0; f < 20; f++) keys.push(`${scope}/${BIG_FOLDER}/d${String(d).padStart(2, '0')}/s${s}/f${String(f).padStart(3, '0')}.bin`);
    }
  }
  keys.push(`${scope}/${BIG_FOLDER}/readme.txt`, `${scope}/${BIG_FOLDER}/zz-last.txt`);
  return keys;
}

async function collect(iterable: AsyncIterable<ListedEntry>): Promise<ListedEntry[]> {
  const out: ListedEntry[] = [];
  for await (const entry of iterable) out.push(entry);
  return out;
}

const keysOf = (entries: ListedEntry[]): string[] => entries.map((e) => e.key);
const sorted = (keys: string[]): string[] => [...keys].sort(compareKeys);

/**
 * What the store behind a fixture can do, known before it starts. Every flag is true for S3, GCS
 * and Azure themselves; a false one names a known defect of an emulator, never of assetlink.
 */
export interface ListingCapabilities {
  /** The fixture implements failNextListPage (a real protocol server with fault injection). */
  faults: boolean;
  /** Keys mixing characters above U+FFFF with U+E000–U+FFFF stay in UTF-8 order across pages (an emulator that resumes in UTF-16 order fails this). */
  astralOrder: boolean;
  /** `a-b`, `a.b` next to folder `a/` list in byte order (an emulator that walks folder `a` first fails this). */
  slashNeighbours: boolean;
  /** A folder holding only deeper folders is folded into a prefix (not only folders with a file directly inside). */
  nestedFolders: boolean;
  /** Time allowed to start the store and seed 2,600 objects (an emulator seeded over HTTPS needs more on a loaded machine). Default 240 s. */
  setupTimeoutMs?: number;
}

export function describeListingContract(name: string, setup: () => Promise<ListingFixture>, capabilities: ListingCapabilities): void {
  describe(`listing contract: ${name}`, () => {
    let fx: ListingFixture;
    let bulk: string[];
    const list = (key: string, options: ListOptions = {}): Promise<ListedEntry[]> => collect(fx.resolver.list(fx.uri(key), options));

    beforeAll(async () => {
      fx = await setup();
      bulk = bulkKeys(fx.scope);
      await fx.seed([
        ...bulk,
        `${fx.scope}/shallow/top.txt`, `${fx.scope}/shallow/x/1.txt`, `${fx.scope}/shallow/x/deep/2.txt`, `${fx.scope}/shallow/y/3.txt`,
        ...(capabilities.slashNeighbours ? [`${fx.scope}/edge/a-b`, `${fx.scope}/edge/a.b`, `${fx.scope}/edge/a/b`, `${fx.scope}/edge/a0`] : []),
        // Siblings of the scope folder that share its name as a string prefix: never listed.
        `${fx.scope}2/secret.txt`, `${fx.scope}-old/secret.txt`, `${fx.scope}.bak`, `outside/secret.txt`,
      ]);
    }, capabilities.setupTimeoutMs ?? 240_000);
    afterAll(async () => { await fx?.close(); });

    it('lists 2,600 objects across nested folders, lazily, in UTF-8 key order, with sizes and etags', async () => {
      const entries = await list(`${fx.scope}/${BIG_FOLDER}/`);
      expect(keysOf(entries)).toEqual(sorted(bulk));
      for (const entry of entries.slice(0, 5)) {
        expect(entry).toMatchObject({ kind: 'object', uri: fx.uri(entry.key) });
        if (entry.kind !== 'object') throw new Error('object expected');
        expect(entry.size).toBeGreaterThan(0);
        expect(entry.etag).toBeTruthy();
        expect(entry.lastModified).toBeInstanceOf(Date);
      }
    }, 120_000);

    it.each([7, 1000])('gives the same listing at page size %i', async (pageSize) => {
      const entries = await list(`${fx.scope}/${BIG_FOLDER}/`, { pageSize });
      expect(keysOf(entries)).toEqual(sorted(bulk));
    }, 240_000);

    it('gives the same listing one object per page (page size 1)', async () => {
      const folder = `${fx.scope}/${BIG_FOLDER}/d04/`;
      const expected = sorted(bulk.filter((k) => k.startsWith(folder)));
      expect(expected.length).toBe(200);
      expect(keysOf(await list(folder, { pageSize: 1 }))).toEqual(expected);
    }, 120_000);

    it('folds deeper keys into prefixes when not recursive', async () => {
      const shallow = `${fx.scope}/shallow/`;
      for (const pageSize of [1, 2, 1000]) {
        const entries = await list(shallow, { recursive: false, pageSize });
        expect(entries.map((e) => `${e.kind}:${e.key}`)).toEqual([`object:${shallow}top.txt`, `prefix:${shallow}x/`, `prefix:${shallow}y/`]);
        expect(entries[1]?.uri).toBe(fx.uri(`${shallow}x/`));
      }
    });

    if (capabilities.nestedFolders) it('folds folders that hold only deeper folders', async () => {
      const entries = await list(`${fx.scope}/${BIG_FOLDER}`, { recursive: false, pageSize: 5 });
      const folders = Array.from({ length: 13 }, (_, d) => `${fx.scope}/${BIG_FOLDER}/d${String(d).padStart(2, '0')}/`);
      expect(entries.map((e) => `${e.kind}:${e.key}`)).toEqual(sorted([
        ...folders, `${fx.scope}/${BIG_FOLDER}/readme.txt`, `${fx.scope}/${BIG_FOLDER}/zz-last.txt`,
      ]).map((k) => `${k.endsWith('/') ? 'prefix' : 'object'}:${k}`));
      expect(entries.find((e) => e.kind === 'prefix')?.uri).toBe(fx.uri(folders[0]!));
    });

    if (capabilities.slashNeighbours) it('orders `/` neighbours by UTF-8 bytes: a-b, a.b, a/b, a0', async () => {
      expect(keysOf(await list(`${fx.scope}/edge/`))).toEqual([`${fx.scope}/edge/a-b`, `${fx.scope}/edge/a.b`, `${fx.scope}/edge/a/b`, `${fx.scope}/edge/a0`]);
      expect(keysOf(await list(`${fx.scope}/edge/`, { recursive: false, pageSize: 1 }))).toEqual([`${fx.scope}/edge/a-b`, `${fx.scope}/edge/a.b`, `${fx.scope}/edge/a/`, `${fx.scope}/edge/a0`]);
    });

    it('lists non-ASCII keys in UTF-8 byte order, across page boundaries', async () => {
      const names = ['caf\u00e9.jpg', '\u65e5\u672c\u8a9e/\u5199\u771f.png', 'na\u00efve.txt', 'plain.txt', '\u00c5ngstr\u00f6m.bin',
        ...(capabilities.astralOrder ? ['\u{1F600}.png', '\uFF46ullwidth.txt', '\uFFFDreplacement'] : [])];
      const keys = names.map((n) => `${fx.scope}/unicode/${n}`);
      await fx.seed(keys);
      for (const pageSize of [1, 2, 1000]) {
        const got = keysOf(await list(`${fx.scope}/unicode/`, { pageSize }));
        expect(got).toEqual(sorted(keys));
      }
      if (capabilities.astralOrder) {
        // UTF-16 order would put the astral character first.
        const got = keysOf(await list(`${fx.scope}/unicode/`, { pageSize: 1 }));
        expect(got.indexOf(`${fx.scope}/unicode/\uFF46ullwidth.txt`)).toBeLessThan(got.indexOf(`${fx.scope}/unicode/\u{1F600}.png`));
      }
      expect((await list(`${fx.scope}/unicode/`, { match: '*.jpg' }))[0]?.uri).toBe(fx.uri(`${fx.scope}/unicode/caf\u00e9.jpg`));
    });

    it('never lists outside the scope (segment-aware) and refuses wider listings', async () => {
      const all = keysOf(await list(fx.scope));
      expect(all.length).toBeGreaterThan(2600);
      expect(all.every((k) => k.startsWith(`${fx.scope}/`))).toBe(true);
      expect((await failure(list(''))).code).toBe('OUT_OF_SCOPE');
      expect((await failure(list('', { integration: fx.integrationId }))).code).toBe('OUT_OF_SCOPE');
      expect((await failure(list(`${fx.scope}2/`, { integration: fx.integrationId }))).code).toBe('OUT_OF_SCOPE');
      expect((await failure(list(`${fx.scope}-old/`))).code).toBe('NO_INTEGRATION');
      const wide = await failure(list(''));
      expect(wide.message).toContain(fx.uri(`${fx.scope}/`));
    });

    it('lists through a read-only integration', async () => {
      const summary = fx.resolver.listIntegrations().find((i) => i.id === fx.integrationId);
      expect(summary?.mode).toBe('read-only');
      expect((await list(`${fx.scope}/shallow/`)).length).toBe(4);
    });

    it('applies match globs (pushed down by their literal part) and RegExps to the key below the folder', async () => {
      const folder = `${fx.scope}/${BIG_FOLDER}/`;
      const byGlob = keysOf(await list(folder, { match: 'd0{1,3}/**/f01?.bin' }));
      expect(byGlob).toEqual(sorted(bulk.filter((k) => /^d0[13]\/s\d\/f01\d\.bin$/.test(k.slice(folder.length)))));
      expect(byGlob.length).toBe(2 * 10 * 10);
      const byRegExp = keysOf(await list(folder, { match: /^d12\/s[0-2]\/f00[0-4]\.bin$/ }));
      expect(byRegExp.length).toBe(15);
      expect(keysOf(await list(folder, { match: '*.txt' }))).toEqual([`${folder}readme.txt`, `${folder}zz-last.txt`]);
      expect(keysOf(await list(`${fx.scope}/shallow/`, { match: '{x,t}*', recursive: false }))).toEqual([`${fx.scope}/shallow/top.txt`, `${fx.scope}/shallow/x/`]);
      if (capabilities.nestedFolders) {
        expect(keysOf(await list(folder, { match: 'd1*', recursive: false }))).toEqual([`${folder}d10/`, `${folder}d11/`, `${folder}d12/`]);
      }
    });

    it('lists a key range (both bounds exclusive) and resumes after the last key seen', async () => {
      const folder = `${fx.scope}/${BIG_FOLDER}/`;
      const all = sorted(bulk);
      const ranged = keysOf(await list(folder, { startAfter: all[100], endBefore: all[400], pageSize: 50 }));
      expect(ranged).toEqual(all.slice(101, 400));
      const first = keysOf(await list(folder, { limit: 777 }));
      expect(first).toEqual(all.slice(0, 777));
      const rest = keysOf(await list(folder, { startAfter: first[first.length - 1] }));
      expect([...first, ...rest]).toEqual(all);
    }, 120_000);

    if (capabilities.faults) it('a page that fails mid-listing is a typed, retryable error; resuming with startAfter completes the listing', async () => {
      const folder = `${fx.scope}/${BIG_FOLDER}/`;
      const seen: string[] = [];
      let pages = 0;
      const error = await failure((async () => {
        for await (const entry of fx.resolver.list(fx.uri(folder), { pageSize: 100 })) {
          seen.push(entry.key);
          if (seen.length % 100 === 0 && ++pages === 3) fx.failNextListPage!();
        }
      })());
      fx.clearFaults?.();
      expect(error.retryable).toBe(true);
      expect(['PROVIDER_ERROR', 'TIMEOUT']).toContain(error.code);
      expect(seen.length).toBe(300);
      const rest = keysOf(await list(folder, { startAfter: seen[seen.length - 1] }));
      expect([...seen, ...rest]).toEqual(sorted(bulk));
    }, 120_000);

    it('stops with ABORTED when its signal fires, fetching nothing more', async () => {
      const controller = new AbortController();
      const seen: string[] = [];
      const error = await failure((async () => {
        for await (const entry of fx.resolver.list(fx.uri(`${fx.scope}/${BIG_FOLDER}/`), { pageSize: 10, signal: controller.signal })) {
          seen.push(entry.key);
          if (seen.length === 15) controller.abort();
        }
      })());
      expect(error.code).toBe('ABORTED');
      expect(seen.length).toBe(15);
      const already = new AbortController();
      already.abort();
      expect((await failure(list(`${fx.scope}/`, { signal: already.signal }))).code).toBe('ABORTED');
    });

    it('filters by modifiedSince and stops at limit', async () => {
      const folder = `${fx.scope}/${BIG_FOLDER}/d00/`;
      expect((await list(folder, { modifiedSince: new Date(Date.now() + 3_600_000) })).length).toBe(0);
      expect((await list(folder, { modifiedSince: new Date(Date.now() - 3_600_000) })).length).toBe(200);
      expect((await list(folder, { limit: 3 })).length).toBe(3);
    });

    it('splits the listing into ranges whose listings together are the listing, without duplicates', async () => {
      const folder = `${fx.scope}/${BIG_FOLDER}/`;
      for (const n of [2, 4, 7]) {
        const ranges = await fx.resolver.splitListing(fx.uri(folder), n);
        expect(ranges.length).toBeGreaterThan(1);
        expect(ranges.length).toBeLessThanOrEqual(n);
        const parts = await Promise.all(ranges.map((r) => list(folder, r).then(keysOf)));
        expect(parts.flat()).toEqual(sorted(bulk));
        expect(Math.max(...parts.map((p) => p.length))).toBeLessThan(bulk.length);
        // 13 folders of 200: the cuts fall between folders, so no range holds much more than its share.
        if (capabilities.nestedFolders) expect(Math.max(...parts.map((p) => p.length))).toBeLessThanOrEqual(Math.ceil(13 / ranges.length) * 200 + 2);
      }
    }, 240_000);

    it('refuses bad options with INVALID_ARGUMENT that names the fix', async () => {
      for (const options of [{ pageSize: 0 }, { pageSize: 1001 }, { match: 'a/**b' }, { match: '{jpg' }, { startAfter: 'b', endBefore: 'a' }, { limit: 0 }] as ListOptions[]) {
        const error = await failure(list(`${fx.scope}/`, options));
        expect(error.code).toBe('INVALID_ARGUMENT');
      }
      expect((await failure(list(`${fx.scope}/`, { pageSize: 5000 }))).message).toMatch(/pageSize must be an integer from 1 to 1000/);
    });
  });
}
