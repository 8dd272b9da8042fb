import { afterAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetLinkEvent, type ListedEntry, type ListOptions } from '../../src/index.js';
import { planRequests } from '../../src/list/iterate.js';
import { checkListOptions } from '../../src/list/options.js';
import { putMemoryObject } from '../../src/resolvers/memory-store.js';
import { failure } from '../helpers/failure.js';

const events: AssetLinkEvent[] = [];
const resolver = createAssetResolver({
  integrations: [
    { id: 'img', provider: 'memory', scope: { bucket: 'behaviour', prefix: 'images' } },
    { id: 'whole', provider: 'memory', mode: 'read-write', scope: { bucket: 'whole-bucket' } },
  ],
  onEvent: (e) => events.push(e),
});
afterAll(() => resolver.close());
for (const key of ['images/a.jpg', 'images/b/c.jpg', 'images/2024-01/x.jpg', 'images/2024-02/y.jpg', 'images/2023-12/z.jpg', 'images2/secret', 'images/', 'top.txt', 'x/y.txt']) {
  putMemoryObject(key.startsWith('images') ? 'behaviour' : 'whole-bucket', key, new Uint8Array(2));
}

async function keys(uri: string, options: ListOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of resolver.list(uri, options) as AsyncIterable<ListedEntry>) out.push(entry.key);
  return out;
}

const target = (prefix: string) => ({ prefix, scopeRoot: 'images/' }) as Parameters<typeof planRequests>[0];

describe('listing behaviour', () => {
  it('treats the URI as a folder: with or without the trailing slash, never its string-prefix siblings', async () => {
    expect(await keys('memory://behaviour/images')).toEqual(await keys('memory://behaviour/images/'));
    expect(await keys('memory://behaviour/images')).not.toContain('images2/secret');
    // The folder marker `images/` is the scope root itself, not inside it.
    expect(await keys('memory://behaviour/images')).not.toContain('images/');
    expect(await keys('memory://whole-bucket')).toEqual(['top.txt', 'x/y.txt']);
    expect(await keys('memory://whole-bucket/', { recursive: false })).toEqual(['top.txt', 'x/']);
  });

  it('pushes a glob\'s literal part down as the provider prefix (one segment when not recursive)', () => {
    const plan = (options: ListOptions) => planRequests(target('images/'), checkListOptions(options));
    expect(plan({ match: '2024-*/*.jpg' })).toEqual({ prefix: 'images/2024-' });
    expect(plan({ match: 'b/c/*.jpg', recursive: false })).toEqual({ prefix: 'images/b' });
    expect(plan({ match: /^2024-0[12]\// })).toEqual({ prefix: 'images/2024-0' });
    expect(plan({ match: '**/*.jpg' })).toEqual({ prefix: 'images/' });
    // Bounds outside the pushed-down prefix: empty listing, or no bound at all.
    expect(plan({ match: '2024-*', startAfter: 'images/2025' })).toBeUndefined();
    expect(plan({ match: '2024-*', endBefore: 'images/2023' })).toBeUndefined();
    expect(plan({ match: '2024-*', startAfter: 'images/2000', endBefore: 'images/3000' })).toEqual({ prefix: 'images/2024-' });
    expect(plan({ startAfter: 'images/b', endBefore: 'images/c' })).toEqual({ prefix: 'images/', startAfter: 'images/b', endBefore: 'images/c' });
  });

  it('lists with a pushed-down glob exactly what the glob matches', async () => {
    expect(await keys('memory://behaviour/images/', { match: '2024-*/*.jpg' })).toEqual(['images/2024-01/x.jpg', 'images/2024-02/y.jpg']);
    expect(await keys('memory://behaviour/images/', { match: '2024-*', recursive: false })).toEqual(['images/2024-01/', 'images/2024-02/']);
  });

  it('validates every option before any request, saying what to fix', async () => {
    const cases: Array<[ListOptions, RegExp]> = [
      [{ pageSize: 0 }, /pageSize must be an integer from 1 to 1000/],
      [{ pageSize: 2.5 }, /pageSize/],
      [{ startAfter: 'images/b', endBefore: 'images/b' }, /must sort before endBefore/],
      [{ startAfter: '\u{1F600}', endBefore: '\uFF46' }, /must sort before endBefore/],
      [{ limit: -1 }, /limit must be a positive integer/],
      [{ modifiedSince: new Date('nope') }, /modifiedSince must be a valid Date/],
      [{ recursive: 'no' as unknown as boolean }, /recursive must be true or false/],
      [{ match: '**.jpg' }, /inside a path segment/],
      [{ signal: {} as AbortSignal }, /signal must be an AbortSignal/],
    ];
    for (const [options, message] of cases) {
      const error = await failure(keys('memory://behaviour/images/', options));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
  });

  it('refuses URIs that cannot be listed', async () => {
    expect((await failure(keys('https://example.com/x/'))).code).toBe('UNSUPPORTED_URI');
    expect((await failure(keys('memory://nobody-here/'))).code).toBe('NO_INTEGRATION');
    expect((await failure(keys('memory://behaviour/images/', { integration: 'nope' }))).code).toBe('NO_INTEGRATION');
    expect((await failure(keys('memory://behaviour/images/', { integration: 'whole' }))).code).toBe('OUT_OF_SCOPE');
  });

  it('emits asset.listed when a listing ends and scope.refused when one is refused', async () => {
    events.length = 0;
    await keys('memory://behaviour/images/', { limit: 2 });
    const iterator = resolver.list('memory://behaviour/images/')[Symbol.asyncIterator]();
    await iterator.next();
    await iterator.return?.();
    await failure(keys('memory://behaviour/'));
    await resolver.splitListing('memory://behaviour/images/', 2);
    expect(events.map((e) => e.type)).toEqual(['asset.listed', 'asset.listed', 'scope.refused', 'listing.split']);
    expect(events[3]).toMatchObject({ integrationId: 'img', uri: 'memory://behaviour/images/', ranges: 2, requests: 1 });
    expect(events[0]).toMatchObject({ integrationId: 'img', uri: 'memory://behaviour/images/', entries: 2, complete: true, pages: 1 });
    expect(events[1]).toMatchObject({ entries: 1, complete: false });
    expect(events[2]).toMatchObject({ code: 'OUT_OF_SCOPE', uri: 'memory://behaviour/' });
  });

  it('is lazy: nothing is fetched until iterated, and a closed resolver refuses', async () => {
    const closed = createAssetResolver({ integrations: [{ id: 'c', provider: 'memory', scope: { bucket: 'behaviour' } }] });
    const listing = closed.list('memory://behaviour/');
    await closed.close();
    expect((await failure((async () => { for await (const _ of listing) { /* nothing */ } })())).code).toBe('INVALID_ARGUMENT');
  });
});
