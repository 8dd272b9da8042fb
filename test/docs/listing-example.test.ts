import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readListingManifest, syncListingManifest, writeListingManifest, type ListedObject } from 'assetlink';
import { createTestResolver, type TestResolver } from 'assetlink/testing';

// The customer pointed the platform at gs://assetlink-test/in/ (a read-only integration).
const DATASET = 'gs://assetlink-test/in/';
let t: TestResolver;
let manifest: string;

beforeAll(async () => {
  t = await createTestResolver({ providers: ['gcp'] });
  manifest = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'dataset-')), 'acme.jsonl');
  for (const name of ['cats/1.jpg', 'cats/2.jpg', 'dogs/1.jpg', 'dogs/2.png', 'README.txt']) {
    await t.cloud.putObject(`${DATASET}${name}`, `pixels of ${name}`);
  }
});
afterAll(() => t.close());

it('first import: list the images once, create a task per image, keep a manifest', async () => {
  const tasks: string[] = [];
  async function* importing(): AsyncGenerator<ListedObject> {
    for await (const object of t.resolver.list(DATASET, { match: '**/*.{jpg,png}' })) {
      tasks.push(object.uri); // e.g. enqueue a labeling task for this asset
      yield object;
    }
  }
  await writeListingManifest(manifest, DATASET, importing());
  expect(tasks).toEqual([`${DATASET}cats/1.jpg`, `${DATASET}cats/2.jpg`, `${DATASET}dogs/1.jpg`, `${DATASET}dogs/2.png`]);
});

it('incremental sync: only what changed since the stored manifest', async () => {
  await t.cloud.putObject(`${DATASET}cats/3.jpg`, 'a new cat');
  await t.cloud.putObject(`${DATASET}dogs/1.jpg`, 'a retouched dog');
  const changes: string[] = [];
  const current = t.resolver.list(DATASET, { match: '**/*.{jpg,png}' });
  for await (const change of syncListingManifest(manifest, DATASET, current)) changes.push(`${change.kind} ${change.object.key}`);
  expect(changes).toEqual(['added in/cats/3.jpg', 'changed in/dogs/1.jpg']);
  // The manifest now describes the bucket as listed; the next sync starts from here.
  let recorded = 0;
  for await (const _ of readListingManifest(manifest, { uri: DATASET })) recorded++;
  expect(recorded).toBe(5);
});

it('split across workers: n key ranges, one queue job each, together exactly one listing', async () => {
  const ranges = await t.resolver.splitListing(DATASET, 3);
  const jobs = ranges.map((range) => JSON.stringify({ uri: DATASET, ...range })); // what goes on the queue
  const worker = async (job: string): Promise<string[]> => {
    const { uri, ...range } = JSON.parse(job) as { uri: string; startAfter?: string; endBefore?: string };
    const keys: string[] = [];
    for await (const object of t.resolver.list(uri, range)) keys.push(object.key);
    return keys;
  };
  const done = (await Promise.all(jobs.map(worker))).flat();
  const all: string[] = [];
  for await (const object of t.resolver.list(DATASET)) all.push(object.key);
  expect(done).toEqual(all);
});

it('resume: a worker that stopped restarts after the last key it saw', async () => {
  const firstTwo: string[] = [];
  for await (const object of t.resolver.list(DATASET, { limit: 2 })) firstTwo.push(object.key);
  const rest: string[] = [];
  for await (const object of t.resolver.list(DATASET, { startAfter: firstTwo[1] })) rest.push(object.key);
  expect([...firstTwo, ...rest]).toHaveLength(6);
});
