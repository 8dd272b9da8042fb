import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/** The fake GCS answers objects.list as Cloud Storage does (docs: cloud.google.com/storage/docs/json_api/v1/objects/list). */

let gcp: FakeGcp;
const TOKEN = 'listing-fake-token';
const BUCKET = 'fake-listing';
const NAMES = ['a', 'a-b', 'a.b', 'a/', 'a/b', 'a/c/d', 'a0', 'b/1', 'b/2', 'b/3', 'c', 'caf\u00e9', '\uFF46', '\u{1F600}'];

beforeAll(async () => {
  gcp = await startFakeGcp();
  gcp.directory.registerToken(TOKEN, { principal: 'lister@p.iam.gserviceaccount.com' });
  gcp.gcs.createBucket(BUCKET);
  // Inserted out of order: the fake keeps its own sorted index.
  for (const name of [...NAMES].reverse()) gcp.gcs.putObject(BUCKET, name, `body ${name}`);
});
afterAll(() => gcp.close());

interface ListBody { items?: Array<{ name: string; size: string }>; prefixes?: string[]; nextPageToken?: string; error?: { message: string } }

async function list(params: Record<string, string>): Promise<{ status: number; body: ListBody }> {
  const res = await fetch(`${gcp.gcs.url}/storage/v1/b/${BUCKET}/o?${new URLSearchParams(params)}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as ListBody };
}

async function pages(params: Record<string, string>): Promise<{ names: string[]; prefixes: string[]; requests: number }> {
  const names: string[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  let requests = 0;
  do {
    const { status, body } = await list({ ...params, ...(token ? { pageToken: token } : {}) });
    expect(status).toBe(200);
    requests++;
    names.push(...(body.items ?? []).map((i) => i.name));
    prefixes.push(...(body.prefixes ?? []));
    token = body.nextPageToken;
  } while (token);
  return { names, prefixes, requests };
}

describe('fake GCS objects.list', () => {
  it('lists names in UTF-8 byte order', async () => {
    const { names } = await pages({});
    expect(names).toEqual([...NAMES].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(names.indexOf('\uFF46')).toBeLessThan(names.indexOf('\u{1F600}'));
  });

  it('pages with maxResults counting items and prefixes together, and never repeats a prefix', async () => {
    const { names, prefixes, requests } = await pages({ delimiter: '/', maxResults: '1' });
    expect(names).toEqual(['a', 'a-b', 'a.b', 'a0', 'c', 'caf\u00e9', '\uFF46', '\u{1F600}']);
    expect(prefixes).toEqual(['a/', 'b/']);
    expect(requests).toBe(10);
    const two = await list({ delimiter: '/', maxResults: '2', prefix: 'a' });
    expect(two.body.items?.map((i) => i.name)).toEqual(['a', 'a-b']);
  });

  it('folds by delimiter under a prefix; includeTrailingDelimiter also returns the folder object', async () => {
    expect(await pages({ prefix: 'a/', delimiter: '/' })).toMatchObject({ names: ['a/', 'a/b'], prefixes: ['a/c/'] });
    expect(await pages({ delimiter: '/', prefix: '' })).toMatchObject({ prefixes: ['a/', 'b/'] });
    const trailing = await pages({ delimiter: '/', includeTrailingDelimiter: 'true' });
    expect(trailing.names).toContain('a/');
    expect(trailing.prefixes).toEqual(['a/', 'b/']);
    expect((await pages({ delimiter: '/' })).names).not.toContain('a/');
  });

  it('honours startOffset (inclusive) and endOffset (exclusive), across pages', async () => {
    expect((await pages({ startOffset: 'a/b', endOffset: 'b/3', maxResults: '2' })).names).toEqual(['a/b', 'a/c/d', 'a0', 'b/1', 'b/2']);
    expect((await pages({ prefix: 'b/', startOffset: 'a' })).names).toEqual(['b/1', 'b/2', 'b/3']);
    expect((await pages({ prefix: 'b/', startOffset: 'b/2' })).names).toEqual(['b/2', 'b/3']);
  });

  it('answers partial responses for fields', async () => {
    const { status, body } = await list({ prefix: 'b/', maxResults: '2', fields: 'items(name,size),nextPageToken' });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['items', 'nextPageToken']);
    expect(body.items).toEqual([{ name: 'b/1', size: '8' }, { name: 'b/2', size: '8' }]);
    expect((await list({ fields: 'items(name(x))' })).status).toBe(400);
  });

  it('refuses what it does not implement, a bad maxResults and a page token of another listing', async () => {
    expect((await list({ matchGlob: '**.txt' })).status).toBe(400);
    expect((await list({ versions: 'true' })).status).toBe(400);
    expect((await list({ maxResults: '0' })).status).toBe(400);
    expect((await list({ maxResults: 'ten' })).status).toBe(400);
    const first = await list({ prefix: 'b/', maxResults: '1' });
    expect(first.body.nextPageToken).toBeTruthy();
    expect((await list({ prefix: 'a', pageToken: first.body.nextPageToken! })).status).toBe(400);
    expect((await list({ pageToken: 'garbage' })).status).toBe(400);
    expect((await list({ maxResults: '5000' })).body.items?.length).toBe(NAMES.length);
  });
});
