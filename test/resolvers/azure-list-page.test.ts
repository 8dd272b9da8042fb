import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver } from '../../src/index.js';
import type { ListPage, ListPageRequest, ObjectTarget, ProviderDriver } from '../../src/resolvers/driver.js';
import { compareUtf8, filterPage } from '../../src/resolvers/azure/list-page.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { failure } from '../helpers/failure.js';

/**
 * The Azure driver's `listPage` against Azurite: pagination at several page sizes over a few
 * hundred blobs, delimiter prefixes, startAfter / endBefore, non-ASCII names, and the SAS each
 * listing request carries (list-only, container resource).
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const ACCOUNT = 'listpagedata';
const CONTAINER = 'datasets';
const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'list-page-secret' } as const;

let env: AzureTestEnvironment;
let resolver: AssetResolver;
let driver: ProviderDriver;
let target: ObjectTarget;
/** Every key seeded under `ds/`, in UTF-8 byte order. */
let keys: string[];

const NON_ASCII = ['ds/ünï/é.txt', 'ds/ünï/中文.txt', 'ds/ünï/😀.txt', 'ds/ünï/ß space.txt', 'ds/ünï/a+b=c&d.txt'];

beforeAll(async () => {
  env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: auth.clientSecret }] });
  resolver = createAssetResolver({ platform: { azure: env.platform }, integrations: [{ id: 'ds', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'ds' }, auth }] });
  driver = await resolver.driver('azure');
  target = { integration: resolver.integration('ds'), location: { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key: '', uri: `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/` } };
  keys = [];
  for (let i = 0; i < 240; i++) keys.push(`ds/flat/${String(i).padStart(4, '0')}.bin`);
  for (const dir of ['a', 'b', 'c']) for (let i = 0; i < 20; i++) keys.push(`ds/tree/${dir}/${i}.txt`);
  keys.push('ds/tree/top.txt', ...NON_ASCII);
  // Outside the listed prefix: must never show up.
  const outside = ['dsx/other.txt', 'elsewhere/x.txt'];
  const all = [...keys, ...outside];
  for (let i = 0; i < all.length; i += 16) {
    await Promise.all(all.slice(i, i + 16).map((k) => env.azurite.putBlob(CONTAINER, k, `body of ${k}`, { account: ACCOUNT })));
  }
  keys.sort(compareUtf8);
}, 120_000);
afterAll(async () => { await resolver?.close(); await env?.close(); });

async function listAll(request: Omit<ListPageRequest, 'pageToken'>): Promise<{ pages: ListPage[]; objects: string[]; prefixes: string[] }> {
  const pages: ListPage[] = [];
  let token: string | undefined;
  do {
    const page = await driver.listPage!(target, { ...request, ...(token ? { pageToken: token } : {}) });
    pages.push(page);
    token = page.nextPageToken;
  } while (token);
  return { pages, objects: pages.flatMap((p) => p.objects.map((o) => o.key)), prefixes: pages.flatMap((p) => p.prefixes) };
}

describe('azure listPage', () => {
  for (const pageSize of [1, 7, 1000]) {
    it(`pages of ${pageSize} over ${'a few hundred'} blobs: every key once, in order, no page larger than asked`, async () => {
      const prefix = pageSize === 1 ? 'ds/tree/' : 'ds/';
      const expected = keys.filter((k) => k.startsWith(prefix));
      const { pages, objects } = await listAll({ prefix, delimiter: false, pageSize });
      expect(objects).toEqual(expected);
      for (const page of pages) expect(page.objects.length + page.prefixes.length).toBeLessThanOrEqual(pageSize);
      expect(pages.length).toBe(Math.max(1, Math.ceil(expected.length / pageSize)));
      expect(pages.at(-1)!.nextPageToken).toBeUndefined();
    }, 120_000);
  }

  it('objects carry size, etag, last-modified and content type', async () => {
    const page = await driver.listPage!(target, { prefix: 'ds/tree/top', delimiter: false, pageSize: 10 });
    expect(page.objects).toHaveLength(1);
    expect(page.objects[0]).toMatchObject({ key: 'ds/tree/top.txt', size: Buffer.byteLength('body of ds/tree/top.txt') });
    expect(page.objects[0]!.etag).toBeTruthy();
    expect(page.objects[0]!.lastModified).toBeInstanceOf(Date);
  });

  it('delimiter: the next level only, sub-directories as common prefixes', async () => {
    const top = await listAll({ prefix: 'ds/', delimiter: true, pageSize: 2 });
    expect(top.objects).toEqual([]);
    expect(top.prefixes).toEqual(['ds/flat/', 'ds/tree/', 'ds/ünï/']);
    const tree = await listAll({ prefix: 'ds/tree/', delimiter: true, pageSize: 1000 });
    expect(tree.prefixes).toEqual(['ds/tree/a/', 'ds/tree/b/', 'ds/tree/c/']);
    expect(tree.objects).toEqual(['ds/tree/top.txt']);
  });

  it('non-ASCII names come back exactly, in UTF-8 byte order', async () => {
    const { objects } = await listAll({ prefix: 'ds/ünï/', delimiter: false, pageSize: 2 });
    expect(objects).toEqual([...NON_ASCII].sort(compareUtf8));
    expect(objects).toEqual([...NON_ASCII].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it('startAfter (exclusive) skips what lies before it, across pages', async () => {
    const startAfter = 'ds/flat/0199.bin';
    const { objects } = await listAll({ prefix: 'ds/flat/', delimiter: false, pageSize: 25, startAfter });
    expect(objects).toEqual(keys.filter((k) => k.startsWith('ds/flat/') && compareUtf8(k, startAfter) > 0));
    // A startAfter between keys, and one past the end.
    expect((await listAll({ prefix: 'ds/flat/', delimiter: false, pageSize: 50, startAfter: 'ds/flat/0238' })).objects).toEqual(['ds/flat/0238.bin', 'ds/flat/0239.bin']);
    expect((await listAll({ prefix: 'ds/flat/', delimiter: false, pageSize: 50, startAfter: 'ds/flat/9' })).objects).toEqual([]);
  });

  it('startAfter with a delimiter keeps the prefix that still holds later keys', async () => {
    const { prefixes, objects } = await listAll({ prefix: 'ds/tree/', delimiter: true, pageSize: 10, startAfter: 'ds/tree/b/5.txt' });
    expect(prefixes).toEqual(['ds/tree/b/', 'ds/tree/c/']);
    expect(objects).toEqual(['ds/tree/top.txt']);
  });

  it('endBefore (exclusive) ends the listing early', async () => {
    const before = env.azurite.requests.length;
    const { pages, objects } = await listAll({ prefix: 'ds/flat/', delimiter: false, pageSize: 10, endBefore: 'ds/flat/0025.bin' });
    expect(objects).toEqual(keys.filter((k) => k.startsWith('ds/flat/') && compareUtf8(k, 'ds/flat/0025.bin') < 0));
    expect(pages.length).toBe(3);
    expect(env.azurite.requests.slice(before).filter((r) => r.comp === 'list').length).toBe(3);
  });

  it('every listing request carries a list-only container SAS; nothing else reaches storage', async () => {
    const before = env.azurite.requests.length;
    await listAll({ prefix: 'ds/tree/', delimiter: true, pageSize: 3 });
    const sent = env.azurite.requests.slice(before);
    expect(sent.length).toBeGreaterThan(1);
    for (const r of sent) expect([r.method, r.auth, r.sas?.sp, r.sas?.sr]).toEqual(['GET', 'sas', 'l', 'c']);
  });

  it('refuses prefixes with dot segments before any request', async () => {
    const before = env.azurite.requests.length;
    expect((await failure(driver.listPage!(target, { prefix: 'ds/../elsewhere/', delimiter: false, pageSize: 10 }))).code).toBe('INVALID_URI');
    expect(env.azurite.requests.length).toBe(before);
  });

  it('an aborted signal stops the listing with a typed error', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await failure(driver.listPage!(target, { prefix: 'ds/', delimiter: false, pageSize: 10, signal: controller.signal }));
    expect(['TIMEOUT', 'ABORTED', 'PROVIDER_ERROR']).toContain(error.code);
  });
});

describe('filterPage (what the driver does with each service page)', () => {
  const request: ListPageRequest = { prefix: 'p/', delimiter: false, pageSize: 10 };
  it('drops anything outside the requested prefix, even if the service sent it', () => {
    const page = filterPage(request, [{ name: 'p/a' }, { name: 'q/secret' }, { name: 'p' }], ['p/d/', 'other/']);
    expect(page.objects.map((o) => o.key)).toEqual(['p/a']);
    expect(page.prefixes).toEqual(['p/d/']);
  });

  it('compares in UTF-8 byte order (astral characters after U+E000–U+FFFF)', () => {
    const names = ['p/😀', 'p/\uFF5A', 'p/z', 'p/é', 'p/\uE000', 'p/A'];
    const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...names].sort(compareUtf8)).toEqual(sorted);
    expect(filterPage(request, names.map((name) => ({ name })), []).objects.map((o) => o.key)).toEqual(sorted);
  });
});
