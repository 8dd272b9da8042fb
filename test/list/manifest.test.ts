import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAssetResolver, readListingManifest, syncListingManifest, writeListingManifest, type ListedObject, type ListingChange,
} from '../../src/index.js';
import { memoryStore, putMemoryObject } from '../../src/resolvers/memory-store.js';
import { failure } from '../helpers/failure.js';

let dir = '';
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-manifest-')); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

const object = (key: string, size = 1, etag = '"e"'): ListedObject => ({ kind: 'object', key, uri: `s3://b/${key}`, size, etag, lastModified: new Date('2024-05-01T00:00:00Z') });

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

describe('listing manifests', () => {
  it('round-trips objects as JSON lines with a header, streaming', async () => {
    const file = path.join(dir, 'm.jsonl');
    const objects = [object('a'), { ...object('b/\u{1F600} "q".jpg', 7), contentType: 'image/jpeg' }, { kind: 'object', key: 'c', uri: 's3://b/c', size: 0 } as ListedObject];
    expect(await writeListingManifest(file, 's3://b/', objects)).toBe(3);
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toEqual({ assetlink: 'listing-manifest', version: 1, uri: 's3://b/' });
    expect(lines).toHaveLength(4);
    expect(await all(readListingManifest(file, { uri: 's3://b/' }))).toEqual(objects);
    expect((await failure(all(readListingManifest(file, { uri: 's3://other/' })))).message).toMatch(/records s3:\/\/b\/, not s3:\/\/other\//);
  });

  it('replaces the manifest atomically: a failure mid-write leaves the old one byte for byte, and no temporary file', async () => {
    const file = path.join(dir, 'm.jsonl');
    await writeListingManifest(file, 's3://b/', [object('a'), object('b')]);
    const before = await fs.readFile(file);
    async function* failing(): AsyncGenerator<ListedObject> {
      for (let i = 0; i < 50_000; i++) yield object(`k${String(i).padStart(6, '0')}`);
      throw new Error('listing broke mid-way');
    }
    await expect(writeListingManifest(file, 's3://b/', failing())).rejects.toThrow('listing broke mid-way');
    expect(await fs.readFile(file)).toEqual(before);
    expect(await fs.readdir(dir)).toEqual(['m.jsonl']);
  });

  it('refuses unsorted input and reports damaged files with the line number', async () => {
    const file = path.join(dir, 'm.jsonl');
    expect((await failure(writeListingManifest(file, 's3://b/', [object('b'), object('a')]))).code).toBe('INVALID_ARGUMENT');
    await fs.writeFile(file, '{"assetlink":"listing-manifest","version":1,"uri":"s3://b/"}\n{"key":"a","uri":"s3://b/a","size":1}\nnot json\n');
    expect((await failure(all(readListingManifest(file)))).message).toMatch(/line 3 is not JSON/);
    await fs.writeFile(file, '{"something":"else"}\n');
    expect((await failure(all(readListingManifest(file)))).message).toMatch(/line 1 is not an assetlink listing manifest/);
    expect((await failure(all(readListingManifest(path.join(dir, 'missing.jsonl'))))).message).toMatch(/cannot read manifest/);
    expect(await all(readListingManifest(path.join(dir, 'missing.jsonl'), { missingOk: true }))).toEqual([]);
  });

  describe('syncListingManifest (incremental sync against a real listing)', () => {
    const bucket = 'manifest-sync';
    const resolver = createAssetResolver({ integrations: [{ id: 'ms', provider: 'memory', scope: { bucket, prefix: 'in' } }] });
    const uri = `memory://${bucket}/in/`;
    const put = (key: string, body: string) => putMemoryObject(bucket, key, new TextEncoder().encode(body));
    const summary = (changes: ListingChange[]) => changes.map((c) => `${c.kind}:${c.object.key}`);

    it('first run: everything added; later runs: only the changes; the manifest follows the bucket', async () => {
      memoryStore(bucket).clear();
      const file = path.join(dir, 'sync.jsonl');
      put('in/a.jpg', 'a'); put('in/b.jpg', 'b'); put('in/c/d.jpg', 'd');
      expect(summary(await all(syncListingManifest(file, uri, resolver.list(uri))))).toEqual(['added:in/a.jpg', 'added:in/b.jpg', 'added:in/c/d.jpg']);
      expect(summary(await all(syncListingManifest(file, uri, resolver.list(uri))))).toEqual([]);
      put('in/b.jpg', 'b changed'); memoryStore(bucket).delete('in/a.jpg'); put('in/e.jpg', 'e');
      expect(summary(await all(syncListingManifest(file, uri, resolver.list(uri))))).toEqual(['removed:in/a.jpg', 'changed:in/b.jpg', 'added:in/e.jpg']);
      expect((await all(readListingManifest(file))).map((o) => o.key)).toEqual(['in/b.jpg', 'in/c/d.jpg', 'in/e.jpg']);
    });

    it('a consumer that stops early, or a listing that fails, leaves the old manifest in place: the next run reports the same changes', async () => {
      memoryStore(bucket).clear();
      const file = path.join(dir, 'sync.jsonl');
      put('in/a', '1'); put('in/b', '1');
      await all(syncListingManifest(file, uri, resolver.list(uri)));
      const before = await fs.readFile(file);
      put('in/c', '1'); put('in/d', '1');
      for await (const change of syncListingManifest(file, uri, resolver.list(uri))) { expect(change.kind).toBe('added'); break; }
      expect(await fs.readFile(file)).toEqual(before);
      async function* broken(): AsyncGenerator<ListedObject> {
        for await (const entry of resolver.list(uri)) { if (entry.key === 'in/c') throw new Error('page fetch failed'); yield entry; }
      }
      await expect(all(syncListingManifest(file, uri, broken()))).rejects.toThrow('page fetch failed');
      expect(await fs.readFile(file)).toEqual(before);
      expect(summary(await all(syncListingManifest(file, uri, resolver.list(uri))))).toEqual(['added:in/c', 'added:in/d']);
      expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });
  });
});
