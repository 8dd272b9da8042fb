import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetResolver } from '../../src/index.js';
import type { AssetLinkEvent } from '../../src/events.js';
import type { Integration } from '../../src/types.js';
import { codeOf } from '../helpers/failure.js';
import { READER, startGcpWorld, WRITER, type GcpWorld } from './gcp-fixture.js';

/**
 * Issue 21: a URI pinned to a GCS generation reads exactly that generation (head, read, bytes,
 * presigned GET) after the object was overwritten, and writes/deletes through it are refused
 * before any request is made. Against the fake GCS, which keeps generations as GCS does.
 */

const VERSIONED = 'versioned-training-data';
const PLAIN = 'unversioned-training-data';
let world: GcpWorld;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

const integrations: Integration[] = [
  { id: 'versioned-rw', provider: 'gcp', mode: 'read-write', scope: { bucket: VERSIONED, prefix: 'labels' }, auth: { kind: 'impersonation', serviceAccount: WRITER } },
  { id: 'versioned-ro', provider: 'gcp', scope: { bucket: VERSIONED, prefix: 'datasets' }, auth: { kind: 'impersonation', serviceAccount: READER } },
  { id: 'plain-ro', provider: 'gcp', scope: { bucket: PLAIN }, auth: { kind: 'impersonation', serviceAccount: READER } },
];

beforeAll(async () => {
  world = await startGcpWorld();
  const iam = { [READER]: 'roles/storage.objectViewer', [WRITER]: 'roles/storage.objectUser' };
  world.fake.gcs.createBucket(VERSIONED, { iam, versioning: true });
  world.fake.gcs.createBucket(PLAIN, { iam });
  resolver = world.resolver({ integrations, onEvent: (e) => events.push(e) });
});
afterAll(async () => { await world.close(); });

const pinned = (bucket: string, key: string, generation: string): string => `https://storage.googleapis.com/${bucket}/${key}?generation=${generation}`;

describe('gcp driver: generation pinning', () => {
  it('reads the pinned generation after the object was overwritten: head, read, bytes and its presigned URL', async () => {
    const { generation: first } = world.fake.gcs.putObject(VERSIONED, 'datasets/cat.txt', 'old meow', { contentType: 'text/plain' });
    const { generation: second } = world.fake.gcs.putObject(VERSIONED, 'datasets/cat.txt', 'new meow!!', { contentType: 'text/markdown' });
    expect(second).not.toBe(first);

    const old = await resolver.resolveAsset(pinned(VERSIONED, 'datasets/cat.txt', first));
    expect(old.location).toMatchObject({ version: first, uri: pinned(VERSIONED, 'datasets/cat.txt', first) });
    expect(text(await old.bytes())).toBe('old meow');
    expect(await old.head()).toMatchObject({ size: 8, contentType: 'text/plain' });
    expect(await new Response(await old.read({ range: { start: 4, end: 7 } })).text()).toBe('meow');

    const url = await old.presign({ ttlSeconds: 300 });
    expect(new URL(url.url).searchParams.get('generation')).toBe(first);
    const fetched = await fetch(url.url);
    expect(fetched.status).toBe(200);
    expect(await fetched.text()).toBe('old meow');
    expect(fetched.headers.get('x-goog-generation')).toBe(first);

    const live = await resolver.resolveAsset(`gs://${VERSIONED}/datasets/cat.txt`);
    expect(text(await live.bytes())).toBe('new meow!!');
    const liveUrl = await live.presign({ ttlSeconds: 300 });
    expect(new URL(liveUrl.url).searchParams.has('generation')).toBe(false);
    expect(await (await fetch(liveUrl.url)).text()).toBe('new meow!!');
  });

  it('a tampered generation in a signed URL is refused by the fake (the generation is signed)', async () => {
    const { generation: first } = world.fake.gcs.putObject(VERSIONED, 'datasets/dog.txt', 'woof 1');
    world.fake.gcs.putObject(VERSIONED, 'datasets/dog.txt', 'woof 2');
    const url = new URL((await (await resolver.resolveAsset(pinned(VERSIONED, 'datasets/dog.txt', first))).presign({ ttlSeconds: 60 })).url);
    const live = world.fake.gcs.getObject(VERSIONED, 'datasets/dog.txt')!.generation;
    url.searchParams.set('generation', live);
    expect((await fetch(url)).status).toBe(403);
  });

  it('an object written through assetlink keeps its old generation readable by a pinned URI', async () => {
    const writable = await resolver.resolveAsset(`gs://${VERSIONED}/labels/a.json`);
    await writable.write('{"v":1}', { contentType: 'application/json' });
    const first = world.fake.gcs.getObject(VERSIONED, 'labels/a.json')!.generation;
    await writable.write('{"v":2}', { contentType: 'application/json' });
    expect(world.fake.gcs.listGenerations(VERSIONED, 'labels/a.json')).toHaveLength(2);
    expect(text(await (await resolver.resolveAsset(pinned(VERSIONED, 'labels/a.json', first))).bytes())).toBe('{"v":1}');
    expect(text(await writable.bytes())).toBe('{"v":2}');
  });

  it('parses and reads the JSON API mediaLink form with its generation', async () => {
    const { generation } = world.fake.gcs.putObject(VERSIONED, 'datasets/dir/x.bin', 'first');
    world.fake.gcs.putObject(VERSIONED, 'datasets/dir/x.bin', 'second');
    const mediaLink = `${world.fake.gcs.url}/download/storage/v1/b/${VERSIONED}/o/${encodeURIComponent('datasets/dir/x.bin')}?generation=${generation}&alt=media`;
    const asset = await resolver.resolveAsset(mediaLink);
    expect(asset.location).toMatchObject({ bucket: VERSIONED, key: 'datasets/dir/x.bin', version: generation });
    expect(text(await asset.bytes())).toBe('first');
  });

  it('without Object Versioning an overwritten generation is gone, as in GCS: NOT_FOUND, never the live bytes', async () => {
    const { generation: first } = world.fake.gcs.putObject(PLAIN, 'k.txt', 'one');
    const { generation: second } = world.fake.gcs.putObject(PLAIN, 'k.txt', 'two');
    expect(await codeOf((await resolver.resolveAsset(pinned(PLAIN, 'k.txt', first))).bytes())).toBe('NOT_FOUND');
    expect(await codeOf((await resolver.resolveAsset(pinned(PLAIN, 'k.txt', first))).head())).toBe('NOT_FOUND');
    expect(text(await (await resolver.resolveAsset(pinned(PLAIN, 'k.txt', second))).bytes())).toBe('two');
  });

  it('refuses write, delete and presigned PUT on a pinned location before any request', async () => {
    const { generation } = world.fake.gcs.putObject(VERSIONED, 'labels/keep.txt', 'keep me');
    const asset = await resolver.resolveAsset(pinned(VERSIONED, 'labels/keep.txt', generation));
    expect(asset.mode).toBe('read-write');
    const before = world.fake.gcs.requestCount + world.fake.iam.requestCount;
    events.length = 0;
    expect(await codeOf(asset.write('overwritten'))).toBe('READ_ONLY');
    expect(await codeOf(asset.delete())).toBe('READ_ONLY');
    expect(await codeOf(asset.presign({ ttlSeconds: 60, method: 'PUT' }))).toBe('READ_ONLY');
    expect(world.fake.gcs.requestCount + world.fake.iam.requestCount).toBe(before);
    expect(events.filter((e) => e.type === 'write.refused')).toHaveLength(3);
    expect(world.fake.gcs.listGenerations(VERSIONED, 'labels/keep.txt')).toEqual([generation]);
    expect(world.fake.gcs.getObject(VERSIONED, 'labels/keep.txt')!.data.toString()).toBe('keep me');
  });
});
