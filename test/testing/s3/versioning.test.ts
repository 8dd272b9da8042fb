import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteObjectCommand, GetBucketVersioningCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, ListObjectsV2Command,
  PutBucketVersioningCommand, PutObjectCommand, type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { allow, failure, startS3, type S3Fixture } from './fixture.js';

/** Versioning in the fake S3, as S3 does it: version ids, delete markers, version reads and deletes, listing versions, suspension. */

let f: S3Fixture;
let admin: S3Client;

beforeAll(async () => {
  f = await startS3(['plain', 'versioned', { name: 'born-versioned', versioning: 'Enabled' }]);
  admin = f.client(f.admin);
});
afterAll(async () => { await f?.close(); });

const body = async (out: { Body?: { transformToString(): Promise<string> } }): Promise<string> => out.Body!.transformToString();

describe('status', () => {
  it('starts unversioned (no x-amz-version-id), and PUT ?versioning enables it', async () => {
    expect((await admin.send(new GetBucketVersioningCommand({ Bucket: 'plain' }))).Status).toBeUndefined();
    const put = await admin.send(new PutObjectCommand({ Bucket: 'plain', Key: 'k', Body: 'x' }));
    expect(put.VersionId).toBeUndefined();
    expect(await f.s3.putObject('plain', 'k2', 'y')).toEqual({ etag: expect.any(String) });

    await admin.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Enabled' } }));
    expect((await admin.send(new GetBucketVersioningCommand({ Bucket: 'versioned' }))).Status).toBe('Enabled');
    expect((await admin.send(new GetBucketVersioningCommand({ Bucket: 'born-versioned' }))).Status).toBe('Enabled');
  });

  it('needs s3:PutBucketVersioning', async () => {
    const reader = f.client(f.session([allow('s3:GetObject', 'arn:aws:s3:::versioned/*')]));
    expect(await failure(reader.send(new PutBucketVersioningCommand({ Bucket: 'versioned', VersioningConfiguration: { Status: 'Suspended' } })))).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('versions', () => {
  let v1: string;
  let v2: string;
  beforeAll(async () => {
    v1 = (await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', Body: 'version one' }))).VersionId!;
    v2 = (await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', Body: 'version two' }))).VersionId!;
  });

  it('gives every write a new version id and serves old versions by id (GET, HEAD, presigned)', async () => {
    expect(v1).toMatch(/^[A-Za-z0-9._]{32}$/);
    expect(v2).not.toBe(v1);
    expect(await body(await admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt' })))).toBe('version two');
    const old = await admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: v1 }));
    expect(old.VersionId).toBe(v1);
    expect(await body(old)).toBe('version one');
    expect((await admin.send(new HeadObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: v1 }))).ContentLength).toBe(11);
    const url = await getSignedUrl(admin, new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: v1 }), { expiresIn: 60 });
    expect(await (await fetch(url)).text()).toBe('version one');
    expect(new TextDecoder().decode((await f.s3.getObject('versioned', 'doc.txt', { versionId: v1 }))!.body)).toBe('version one');
    expect(await failure(admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: 'A'.repeat(32) })))).toMatchObject({ name: 'NoSuchVersion', status: 404 });
    expect(await failure(admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: 'not a version' })))).toMatchObject({ name: 'InvalidArgument', status: 400 });
  });

  it('reading a version needs s3:GetObjectVersion, not just s3:GetObject', async () => {
    const latestOnly = f.client(f.session([allow('s3:GetObject', 'arn:aws:s3:::versioned/*')]));
    expect(await body(await latestOnly.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt' })))).toBe('version two');
    expect(await failure(latestOnly.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: v1 })))).toMatchObject({ name: 'AccessDenied' });
    const versions = f.client(f.session([allow('s3:GetObjectVersion', 'arn:aws:s3:::versioned/*')]));
    expect(await body(await versions.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'doc.txt', VersionId: v1 })))).toBe('version one');
  });

  it('a plain DELETE adds a delete marker: the key reads as absent, its versions remain', async () => {
    await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'gone.txt', Body: 'still here' }));
    const deleted = await admin.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'gone.txt' }));
    expect(deleted.DeleteMarker).toBe(true);
    expect(deleted.VersionId).toMatch(/^[A-Za-z0-9._]{32}$/);
    const missing = await failure(admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'gone.txt' })));
    expect(missing).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect((missing.error as { $response?: { headers: Record<string, string> } }).$response?.headers['x-amz-delete-marker']).toBe('true');
    expect(await failure(admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'gone.txt', VersionId: deleted.VersionId })))).toMatchObject({ status: 405 });
    expect((await admin.send(new ListObjectsV2Command({ Bucket: 'versioned', Prefix: 'gone' }))).KeyCount).toBe(0);
    expect(await f.s3.getObject('versioned', 'gone.txt')).toBeUndefined();
    // Removing the marker itself brings the object back.
    const undone = await admin.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'gone.txt', VersionId: deleted.VersionId }));
    expect(undone).toMatchObject({ DeleteMarker: true, VersionId: deleted.VersionId });
    expect(await body(await admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'gone.txt' })))).toBe('still here');
  });

  it('DELETE ?versionId removes exactly that version and needs s3:DeleteObjectVersion', async () => {
    const a = (await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'exact.txt', Body: 'a' }))).VersionId!;
    const b = (await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'exact.txt', Body: 'b' }))).VersionId!;
    const deleter = f.client(f.session([allow('s3:DeleteObject', 'arn:aws:s3:::versioned/*')]));
    expect(await failure(deleter.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'exact.txt', VersionId: b })))).toMatchObject({ name: 'AccessDenied' });
    await admin.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'exact.txt', VersionId: b }));
    expect(await body(await admin.send(new GetObjectCommand({ Bucket: 'versioned', Key: 'exact.txt' })))).toBe('a');
    expect(f.s3.listObjectVersions('versioned', 'exact.txt').map((v) => v.versionId)).toEqual([a]);
  });

  it('a conditional create does not see through a delete marker; If-Match on a deleted key is NoSuchKey', async () => {
    await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'cond.txt', Body: 'x' }));
    await admin.send(new DeleteObjectCommand({ Bucket: 'versioned', Key: 'cond.txt' }));
    expect(await failure(admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'cond.txt', Body: 'y', IfMatch: '*' })))).toMatchObject({ name: 'NoSuchKey' });
    await admin.send(new PutObjectCommand({ Bucket: 'versioned', Key: 'cond.txt', Body: 'y', IfNoneMatch: '*' }));
  });
});

describe('ListObjectVersions', () => {
  it('lists every version and marker, keys ascending and newest first, with key/version-id markers', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.unshift((await admin.send(new PutObjectCommand({ Bucket: 'born-versioned', Key: 'list/a', Body: `a${i}` }))).VersionId!);
    const marker = (await admin.send(new DeleteObjectCommand({ Bucket: 'born-versioned', Key: 'list/a' }))).VersionId!;
    const b = (await admin.send(new PutObjectCommand({ Bucket: 'born-versioned', Key: 'list/b', Body: 'b' }))).VersionId!;
    const expected = [['list/a', marker, true, true], ...ids.map((id) => ['list/a', id, false, false]), ['list/b', b, true, false]];

    const all = await admin.send(new ListObjectVersionsCommand({ Bucket: 'born-versioned', Prefix: 'list/' }));
    const flat = [
      ...(all.Versions ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest, marker: false, at: v.LastModified })),
      ...(all.DeleteMarkers ?? []).map((v) => ({ key: v.Key, id: v.VersionId, latest: v.IsLatest, marker: true, at: v.LastModified })),
    ];
    expect(flat).toHaveLength(5);
    expect(f.s3.listObjectVersions('born-versioned', 'list/').map((v) => [v.key, v.versionId, v.isLatest, v.deleteMarker])).toEqual(expected);

    // Page by two with the markers S3 returns: every entry exactly once.
    const seen: string[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    let pages = 0;
    for (;;) {
      const out = await admin.send(new ListObjectVersionsCommand({ Bucket: 'born-versioned', Prefix: 'list/', MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      const page = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].map((v) => v.VersionId!);
      expect(page.length).toBeLessThanOrEqual(2);
      seen.push(...page);
      pages++;
      if (!out.IsTruncated) break;
      keyMarker = out.NextKeyMarker;
      versionMarker = out.NextVersionIdMarker;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(expected.map((e) => e[1] as string).sort());
    expect(await failure(admin.send(new ListObjectVersionsCommand({ Bucket: 'born-versioned', VersionIdMarker: b })))).toMatchObject({ name: 'InvalidArgument' });
  });

  it('needs s3:ListBucketVersions', async () => {
    const lister = f.client(f.session([allow('s3:ListBucket', 'arn:aws:s3:::born-versioned')]));
    await lister.send(new ListObjectsV2Command({ Bucket: 'born-versioned' }));
    expect(await failure(lister.send(new ListObjectVersionsCommand({ Bucket: 'born-versioned' })))).toMatchObject({ name: 'AccessDenied' });
  });
});

describe('suspended versioning', () => {
  it('writes and plain deletes replace the null version, keeping the older versions', async () => {
    await f.s3.createBucket({ name: 'suspended', versioning: 'Enabled' });
    const kept = (await f.s3.putObject('suspended', 'k', 'versioned one')).versionId!;
    f.s3.setBucketVersioning('suspended', 'Suspended');
    const first = await admin.send(new PutObjectCommand({ Bucket: 'suspended', Key: 'k', Body: 'null one' }));
    expect(first.VersionId).toBe('null');
    await admin.send(new PutObjectCommand({ Bucket: 'suspended', Key: 'k', Body: 'null two' }));
    expect(f.s3.listObjectVersions('suspended').map((v) => v.versionId)).toEqual(['null', kept]);
    expect(await body(await admin.send(new GetObjectCommand({ Bucket: 'suspended', Key: 'k', VersionId: 'null' })))).toBe('null two');
    const marker = await admin.send(new DeleteObjectCommand({ Bucket: 'suspended', Key: 'k' }));
    expect(marker).toMatchObject({ DeleteMarker: true, VersionId: 'null' });
    expect(f.s3.listObjectVersions('suspended').map((v) => [v.versionId, v.deleteMarker])).toEqual([['null', true], [kept, false]]);
    expect(await body(await admin.send(new GetObjectCommand({ Bucket: 'suspended', Key: 'k', VersionId: kept })))).toBe('versioned one');
  });
});
