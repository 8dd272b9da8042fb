import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceAccountKey } from '../../src/auth/service-account-key.js';
import { assembleV4Url, buildV4StringToSign } from '../../src/resolvers/gcp/v4-signer.js';
import { SCOPES, startFakeGcp, type FakeGcp } from '../../src/testing/gcp/index.js';

/**
 * The fake GCS evaluates generation preconditions the way GCS does — on uploads (again when a
 * resumable upload completes), on deletes, and on XML-API signed PUT/DELETE — so what verify's
 * create-only probe and exact-generation clean-up prove against it holds against GCS.
 */

const WRITER = 'writer@customer.iam.gserviceaccount.com';
const BUCKET = 'precondition-bucket';
let fake: FakeGcp;
let key: ServiceAccountKey;

beforeAll(async () => {
  fake = await startFakeGcp();
  fake.directory.registerToken('rw-token', { principal: WRITER, scopes: [SCOPES.storageReadWrite] });
  const account = fake.directory.addServiceAccount(WRITER);
  key = new ServiceAccountKey({ client_email: WRITER, private_key: account.privateKeyPem });
  fake.gcs.createBucket(BUCKET, { iam: { [WRITER]: 'roles/storage.objectUser' } });
});
afterAll(async () => { await fake.close(); });

const auth = { authorization: 'Bearer rw-token' };
const upload = (name: string, body: string, query: string): Promise<Response> => fetch(
  `${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${encodeURIComponent(name)}${query}`,
  { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body },
);
const remove = (name: string, query: string): Promise<Response> => fetch(`${fake.gcs.url}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}${query}`, { method: 'DELETE', headers: auth });
const text = (name: string): string | undefined => fake.gcs.getObject(BUCKET, name)?.data.toString();
const generation = (name: string): string => fake.gcs.getObject(BUCKET, name)!.generation;

describe('fake GCS generation preconditions', () => {
  it('upload: ifGenerationMatch=0 creates only where nothing exists; a stale generation is refused', async () => {
    expect((await upload('a.txt', 'first', '&ifGenerationMatch=0')).status).toBe(200);
    const response = await upload('a.txt', 'second', '&ifGenerationMatch=0');
    expect(response.status).toBe(412);
    expect(text('a.txt')).toBe('first');
    expect((await upload('a.txt', 'third', '&ifGenerationMatch=1')).status).toBe(412);
    expect((await upload('a.txt', 'fourth', `&ifGenerationMatch=${generation('a.txt')}`)).status).toBe(200);
    expect(text('a.txt')).toBe('fourth');
    expect((await upload('a.txt', 'fifth', `&ifGenerationNotMatch=${generation('a.txt')}`)).status).toBe(412);
  });

  it('delete: only the generation named survives a replacement; a missing object is 404, not 412', async () => {
    await upload('b.txt', 'mine', '');
    const mine = generation('b.txt');
    await upload('b.txt', 'theirs', '');
    const refused = await remove('b.txt', `?ifGenerationMatch=${mine}`);
    expect(refused.status).toBe(412);
    expect(text('b.txt')).toBe('theirs');
    expect((await remove('b.txt', `?generation=${mine}`)).status).toBe(404);
    expect(text('b.txt')).toBe('theirs');
    expect((await remove('b.txt', `?ifGenerationMatch=${generation('b.txt')}`)).status).toBe(204);
    expect(text('b.txt')).toBeUndefined();
    expect((await remove('b.txt', '?ifGenerationMatch=1')).status).toBe(404);
  });

  it('resumable: the preconditions are evaluated again when the upload completes', async () => {
    const start = await fetch(`${fake.gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=c.txt&ifGenerationMatch=0`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'c.txt' }),
    });
    expect(start.status).toBe(200);
    const session = start.headers.get('location')!;
    // Someone else creates the object while the session is open.
    fake.gcs.putObject(BUCKET, 'c.txt', 'created meanwhile');
    const finish = await fetch(session, { method: 'PUT', headers: { ...auth, 'content-range': 'bytes 0-4/5' }, body: 'probe' });
    expect(finish.status).toBe(412);
    expect(text('c.txt')).toBe('created meanwhile');
  });

  it('signed PUT / DELETE honour x-goog-if-generation-match', async () => {
    fake.gcs.putObject(BUCKET, 'd.txt', 'existing');
    const signed = (method: 'PUT' | 'DELETE', headers: Record<string, string>): string => {
      const parts = buildV4StringToSign({
        method, bucket: BUCKET, object: 'd.txt', endpoint: fake.gcs.url, clientEmail: WRITER,
        timestamp: new Date(Math.floor(Date.now() / 1000) * 1000), expiresSeconds: 300, headers,
      });
      return assembleV4Url(parts, key.sign(parts.stringToSign));
    };
    const put = await fetch(signed('PUT', { 'x-goog-if-generation-match': '0' }), { method: 'PUT', headers: { 'x-goog-if-generation-match': '0' }, body: 'overwrite' });
    expect(put.status).toBe(412);
    expect(text('d.txt')).toBe('existing');
    const del = await fetch(signed('DELETE', { 'x-goog-if-generation-match': '1' }), { method: 'DELETE', headers: { 'x-goog-if-generation-match': '1' } });
    expect(del.status).toBe(412);
    expect(text('d.txt')).toBe('existing');
  });
});
