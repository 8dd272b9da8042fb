import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsCommand, ListObjectsV2Command, paginateListObjectsV2, type ListObjectsV2CommandInput, type S3Client } from '@aws-sdk/client-s3';
import { allow, failure, rawRequest, startS3, type S3Fixture } from './fixture.js';
import { seededRandom } from '../../helpers/prng.js';

/** Listing in the fake S3 exactly as S3 pages it: UTF-8 byte order, prefixes, delimiters, markers, tokens, URL encoding. */

let f: S3Fixture;
let admin: S3Client;
const KEYS: string[] = [];
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Neighbours whose order differs between UTF-16 (JavaScript's sort) and UTF-8 (S3's).
const TRICKY = ['a/b', 'a-b', 'a.b', 'a0', 'A', 'a', 'z\u{1F600}', 'z\uFFFD', 'z\uE000', 'z\u00e9', 'ze\u0301', 'z~', 'z ', 'sp ace/x', 'pct%2Fx', 'q?#'];

beforeAll(async () => {
  f = await startS3(['listing', 'wide']);
  admin = f.client(f.admin);
  const random = seededRandom(42);
  for (let d = 0; d < 25; d++) {
    for (let s = 0; s < 10; s++) {
      for (let o = 0; o < 10; o++) KEYS.push(`data/d${String(d).padStart(2, '0')}/s${s}/o${Math.floor(random() * 1e9)}.bin`);
    }
  }
  KEYS.push(...TRICKY.map((k) => `tricky/${k}`));
  for (const key of KEYS) await f.s3.putObject('listing', key, key);
  KEYS.sort(byUtf8);
});
afterAll(async () => { await f?.close(); });

async function listAll(input: ListObjectsV2CommandInput, pageSize: number): Promise<{ keys: string[]; prefixes: string[]; pages: number }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  let pages = 0;
  for await (const page of paginateListObjectsV2({ client: admin, pageSize }, input)) {
    pages++;
    expect((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0)).toBeLessThanOrEqual(pageSize);
    expect(page.KeyCount).toBe((page.Contents?.length ?? 0) + (page.CommonPrefixes?.length ?? 0));
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    prefixes.push(...(page.CommonPrefixes ?? []).map((c) => c.Prefix!));
  }
  return { keys, prefixes, pages };
}

describe('ListObjectsV2', () => {
  it('lists 2,500+ keys in UTF-8 byte order, the same at page sizes 7 and 1000', async () => {
    expect(KEYS.length).toBeGreaterThan(2500);
    const big = await listAll({ Bucket: 'listing' }, 1000);
    expect(big.keys).toEqual(KEYS);
    expect(big.pages).toBe(Math.ceil(KEYS.length / 1000));
    const small = await listAll({ Bucket: 'listing' }, 7);
    expect(small.keys).toEqual(KEYS);
    // UTF-8 order is not JavaScript's default order for these neighbours.
    const tricky = KEYS.filter((k) => k.startsWith('tricky/'));
    expect(tricky).not.toEqual([...tricky].sort());
  });

  it('pages one key at a time inside a prefix', async () => {
    const prefix = 'data/d07/';
    const one = await listAll({ Bucket: 'listing', Prefix: prefix }, 1);
    expect(one.keys).toEqual(KEYS.filter((k) => k.startsWith(prefix)));
    expect(one.pages).toBe(100);
  });

  it('groups by delimiter into CommonPrefixes that count towards max-keys', async () => {
    const top = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(top.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['data/', 'tricky/']);
    expect(top.Contents).toBeUndefined();
    const dirs = await listAll({ Bucket: 'listing', Prefix: 'data/', Delimiter: '/' }, 4);
    expect(dirs.prefixes).toEqual(Array.from({ length: 25 }, (_, d) => `data/d${String(d).padStart(2, '0')}/`));
    expect(dirs.keys).toEqual([]);
    expect(dirs.pages).toBe(7);
    const mixed = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'tricky/', Delimiter: '/' }));
    expect(mixed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['tricky/a/', 'tricky/sp ace/']);
    expect(mixed.Contents?.map((c) => c.Key)).toEqual(KEYS.filter((k) => k.startsWith('tricky/') && !k.slice(7).includes('/')));
  });

  it('starts after start-after, never repeats a common prefix at or before it', async () => {
    const after = KEYS[1234]!;
    expect((await listAll({ Bucket: 'listing', StartAfter: after }, 1000)).keys).toEqual(KEYS.slice(1235));
    const dirs = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'data/', Delimiter: '/', StartAfter: 'data/d03/s1/x' }));
    expect(dirs.CommonPrefixes?.[0]?.Prefix).toBe('data/d04/');
    expect(dirs.StartAfter).toBe('data/d03/s1/x');
  });

  it('max-keys: 0 lists nothing and is not truncated; above 1000 is capped', async () => {
    const none = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 0 }));
    expect(none).toMatchObject({ KeyCount: 0, IsTruncated: false, MaxKeys: 0 });
    expect(none.NextContinuationToken).toBeUndefined();
    const capped = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: 5000 }));
    expect(capped.Contents).toHaveLength(1000);
    expect(capped.IsTruncated).toBe(true);
    const exact = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'data/d00/s0/', MaxKeys: 10 }));
    expect(exact).toMatchObject({ KeyCount: 10, IsTruncated: false });
    expect(await failure(admin.send(new ListObjectsV2Command({ Bucket: 'listing', MaxKeys: -1 })))).toMatchObject({ status: 400 });
  });

  it('refuses a continuation token it did not issue', async () => {
    for (const token of ['garbage!', Buffer.from('{"k":"a"}').toString('base64'), 'AAAA']) {
      expect(await failure(admin.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: token })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
    }
  });

  it('url-encodes keys, prefixes and the delimiter with encoding-type=url', async () => {
    const out = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'tricky/sp ace/', EncodingType: 'url', Delimiter: '/' }));
    expect(out.EncodingType).toBe('url');
    expect(out.Prefix).toBe('tricky/sp+ace/');
    expect(out.Contents?.map((c) => c.Key)).toEqual(['tricky/sp+ace/x']);
    const odd = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'tricky/z', EncodingType: 'url' }));
    expect(odd.Contents?.map((c) => decodeURIComponent(c.Key!.replace(/\+/g, ' ')))).toEqual(KEYS.filter((k) => k.startsWith('tricky/z')));
    expect(odd.Contents?.some((c) => c.Key!.includes('%F0%9F%98%80'))).toBe(true);
  });

  it('returns owners only with fetch-owner, and sizes and ETags always', async () => {
    const plain = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'tricky/a', MaxKeys: 1 }));
    expect(plain.Contents?.[0]).toMatchObject({ Key: 'tricky/a', Size: 'tricky/a'.length, StorageClass: 'STANDARD', ETag: expect.stringMatching(/^"[0-9a-f]{32}"$/) });
    expect(plain.Contents?.[0]?.Owner).toBeUndefined();
    const owned = await admin.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'tricky/a', MaxKeys: 1, FetchOwner: true }));
    expect(owned.Contents?.[0]?.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
  });

  it('authorises s3:ListBucket with the s3:prefix condition of the caller', async () => {
    const scoped = f.client(f.session([allow('s3:ListBucket', 'arn:aws:s3:::listing', { StringLike: { 's3:prefix': ['data/d01/*'] } })]));
    expect((await scoped.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'data/d01/' }))).KeyCount).toBe(100);
    expect(await failure(scoped.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'data/d02/' })))).toMatchObject({ name: 'AccessDenied' });
    expect(await failure(scoped.send(new ListObjectsV2Command({ Bucket: 'listing' })))).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('ListObjects (v1)', () => {
  it('pages with marker; NextMarker only with a delimiter', async () => {
    const page = await admin.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3 }));
    expect(page.Contents?.map((c) => c.Key)).toEqual(KEYS.slice(0, 3));
    expect(page.IsTruncated).toBe(true);
    expect(page.NextMarker).toBeUndefined();
    const next = await admin.send(new ListObjectsCommand({ Bucket: 'listing', MaxKeys: 3, Marker: KEYS[2] }));
    expect(next.Contents?.map((c) => c.Key)).toEqual(KEYS.slice(3, 6));
    const dirs = await admin.send(new ListObjectsCommand({ Bucket: 'listing', Prefix: 'data/', Delimiter: '/', MaxKeys: 2 }));
    expect(dirs.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['data/d00/', 'data/d01/']);
    expect(dirs.NextMarker).toBe('data/d01/');
    const resumed = await admin.send(new ListObjectsCommand({ Bucket: 'listing', Prefix: 'data/', Delimiter: '/', MaxKeys: 2, Marker: dirs.NextMarker }));
    expect(resumed.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['data/d02/', 'data/d03/']);
  });

  it('refuses an unsigned listing', async () => {
    expect((await rawRequest(f.s3.endpoint, 'GET', '/listing?list-type=2')).status).toBe(403);
  });
});

describe('a wide bucket', () => {
  it('pages through 100,000 keys without copying the bucket per page', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 100_000; i++) keys.push(`w/${(i * 7919) % 100_000}`);
    for (const key of keys) await f.s3.putObject('wide', key, '');
    keys.sort(byUtf8);
    const started = Date.now();
    const all = await listAll({ Bucket: 'wide' }, 1000);
    expect(all.keys).toEqual(keys);
    expect(all.pages).toBe(100);
    console.log(`[fake-s3] listed 100,000 keys in 100 pages in ${Date.now() - started} ms`);
  }, 120_000);
});
