import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/** The fake GCS keeps generations the way Cloud Storage does (issue 21): JSON API and XML paths. */

let fake: FakeGcp;
const TOKEN = 'generations-test-token';
const auth = { authorization: `Bearer ${TOKEN}` };

beforeAll(async () => {
  fake = await startFakeGcp();
  fake.directory.registerToken(TOKEN, { principal: 'tester@p.iam.gserviceaccount.com' });
  fake.gcs.createBucket('versioned', { versioning: true });
  fake.gcs.createBucket('plain');
});
afterAll(async () => { await fake.close(); });

const media = (bucket: string, name: string, generation?: string): Promise<Response> =>
  fetch(`${fake.gcs.url}/download/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}?alt=media${generation ? `&generation=${generation}` : ''}`, { headers: auth });
const remove = (bucket: string, name: string, generation?: string): Promise<Response> =>
  fetch(`${fake.gcs.url}/storage/v1/b/${bucket}/o/${encodeURIComponent(name)}${generation ? `?generation=${generation}` : ''}`, { method: 'DELETE', headers: auth });

describe('fake GCS generations', () => {
  it('every write is a new generation; versioning keeps the old ones readable by generation', async () => {
    const a = fake.gcs.putObject('versioned', 'a/b.txt', 'one').generation;
    const b = fake.gcs.putObject('versioned', 'a/b.txt', 'two').generation;
    expect(BigInt(b) > BigInt(a)).toBe(true);
    expect(await (await media('versioned', 'a/b.txt', a)).text()).toBe('one');
    expect(await (await media('versioned', 'a/b.txt', b)).text()).toBe('two');
    expect(await (await media('versioned', 'a/b.txt')).text()).toBe('two');
    const meta = await (await fetch(`${fake.gcs.url}/storage/v1/b/versioned/o/a%2Fb.txt?generation=${a}`, { headers: auth })).json() as { generation: string; size: string };
    expect(meta).toMatchObject({ generation: a, size: '3' });
  });

  it('deleting the live object of a versioned bucket leaves it noncurrent; deleting a generation removes it for good', async () => {
    const a = fake.gcs.putObject('versioned', 'd.txt', 'kept').generation;
    expect((await remove('versioned', 'd.txt')).status).toBe(204);
    expect((await media('versioned', 'd.txt')).status).toBe(404);
    expect(await (await media('versioned', 'd.txt', a)).text()).toBe('kept');
    expect((await remove('versioned', 'd.txt', a)).status).toBe(204);
    expect((await media('versioned', 'd.txt', a)).status).toBe(404);
    expect(fake.gcs.listGenerations('versioned', 'd.txt')).toEqual([]);
  });

  it('without versioning an overwritten generation is gone', async () => {
    const a = fake.gcs.putObject('plain', 'p.txt', 'one').generation;
    const b = fake.gcs.putObject('plain', 'p.txt', 'two').generation;
    expect((await media('plain', 'p.txt', a)).status).toBe(404);
    expect(await (await media('plain', 'p.txt', b)).text()).toBe('two');
    expect(fake.gcs.listGenerations('plain', 'p.txt')).toEqual([b]);
  });

  it('refuses a malformed generation with 400', async () => {
    fake.gcs.putObject('plain', 'q.txt', 'x');
    expect((await media('plain', 'q.txt', 'abc')).status).toBe(400);
    expect((await media('plain', 'q.txt', '0')).status).toBe(400);
  });
});
