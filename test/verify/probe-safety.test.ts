import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import type { ProviderDriver } from '../../src/resolvers/driver.js';
import { memoryStore, putMemoryObject } from '../../src/testing/index.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { BUCKET, startGcpWorld, type GcpWorld } from '../resolvers/gcp-fixture.js';
import { failure } from '../helpers/failure.js';
import { patched } from '../helpers/patch-driver.js';

/**
 * Issue 13 item 1: `verify` never modifies or deletes an object it did not create.
 * - a `probeKey` that already exists is refused (ALREADY_EXISTS) before anything is written, on
 *   read-write integrations and on read-only ones whose credentials could write;
 * - an object that appears between the existence check and the probe's write is not overwritten
 *   (the write is create-only: If-None-Match / ifGenerationMatch=0);
 * - a probe whose object another writer replaced before the cleanup leaves that writer's version
 *   alone (the cleanup deletes only the exact version the probe created).
 * S3 cases that need the fake S3 to enforce the conditions live in s3-conditional-probe.test.ts.
 */

const decode = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const statusOf = (report: { checks: Array<{ name: string; status: string; code?: string }> }, name: string): string | undefined => {
  const check = report.checks.find((c) => c.name === name);
  return check ? (check.code ? `${check.status}:${check.code}` : check.status) : undefined;
};


describe('memory', () => {
  it('an existing probeKey is refused with ALREADY_EXISTS and the object is untouched', async () => {
    putMemoryObject('probe-safety', 'labels/keep.txt', new TextEncoder().encode('customer data'));
    const resolver = createAssetResolver({ integrations: [{ id: 'rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'probe-safety', prefix: 'labels' } }] });
    const error = await failure(resolver.verify('rw', { probeKey: 'labels/keep.txt' }));
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(error.integrationId).toBe('rw');
    expect(decode(memoryStore('probe-safety').get('labels/keep.txt')?.data)).toBe('customer data');
  });

  it('an object that appears before the probe writes is not overwritten', async () => {
    const resolver = createAssetResolver({ integrations: [{ id: 'rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'probe-race', prefix: 'labels' } }] });
    const driver = await resolver.driver('memory');
    let report: Awaited<ReturnType<AssetResolver['verify']>> | undefined;
    await patched(driver, 'head', (head) => async (target) => {
      const result = head(target);
      // Another writer creates the object just after the existence check.
      await result.catch(() => putMemoryObject('probe-race', target.location.key, new TextEncoder().encode('appeared')));
      return result;
    }, async () => { report = await resolver.verify('rw', { probeKey: 'labels/new.txt' }); });
    expect(statusOf(report!, 'write-probe')).toBe('fail:ALREADY_EXISTS');
    expect(decode(memoryStore('probe-race').get('labels/new.txt')?.data)).toBe('appeared');
  });

  it('a probe object replaced by another writer before the cleanup is left alone', async () => {
    const resolver = createAssetResolver({ integrations: [{ id: 'rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'probe-replaced', prefix: 'labels' } }] });
    const driver = await resolver.driver('memory');
    await patched(driver, 'read', (read) => async (target, range) => {
      putMemoryObject('probe-replaced', target.location.key, new TextEncoder().encode('customer wrote this'));
      return read(target, range);
    }, async () => { await resolver.verify('rw', { probeKey: 'labels/racy.txt' }); });
    expect(decode(memoryStore('probe-replaced').get('labels/racy.txt')?.data)).toBe('customer wrote this');
  });
});

describe('file (no conditional primitives: existence and version checks around the probe)', () => {
  it('an existing probeKey is refused with ALREADY_EXISTS and the file is untouched', async () => {
    const fs = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
    const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-probe-')));
    try {
      await fs.writeFile(path.join(root, 'keep.txt'), 'customer data');
      const resolver = createAssetResolver({ integrations: [{ id: 'files', provider: 'file', mode: 'read-write', scope: { root } }] });
      const error = await failure(resolver.verify('files', { probeKey: `${root.replace(/^\/+/, '')}/keep.txt` }));
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(await fs.readFile(path.join(root, 'keep.txt'), 'utf8')).toBe('customer data');
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

describe('azure (Azurite: no RBAC, so every token could write)', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
  const ACCOUNT = 'probesafety';
  const CONTAINER = 'data';
  const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'probe-safety-secret' } as const;
  let env: AzureTestEnvironment;
  let resolver: AssetResolver;
  beforeAll(async () => {
    env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: auth.clientSecret }] });
    resolver = createAssetResolver({
      platform: { azure: env.platform },
      integrations: [
        { id: 'rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'out' }, auth },
        { id: 'ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'in' }, auth },
      ],
    });
  });
  afterAll(async () => { await resolver?.close(); await env?.close(); });
  const blob = async (key: string): Promise<string | undefined> => decode(await env.azurite.getBlob(CONTAINER, key, ACCOUNT));
  const writesTo = (key: string, since: number): string[] => env.azurite.requests.slice(since)
    .filter((r) => r.path === `/${ACCOUNT}/${CONTAINER}/${key}` && r.method !== 'GET' && r.method !== 'HEAD').map((r) => r.method);

  for (const [id, key] of [['rw', 'out/keep.txt'], ['ro', 'in/keep.txt']] as const) {
    it(`${id}: an existing probeKey is refused with ALREADY_EXISTS; no write or delete reaches the blob`, async () => {
      await env.azurite.putBlob(CONTAINER, key, 'customer data', { account: ACCOUNT });
      const before = env.azurite.requests.length;
      const error = await failure(resolver.verify(id, { probeKey: key }));
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(await blob(key)).toBe('customer data');
      expect(writesTo(key, before)).toEqual([]);
    });
  }

  it('rw: an object that appears before the probe writes is not overwritten (If-None-Match: *)', async () => {
    const driver = await resolver.driver('azure');
    let report: Awaited<ReturnType<AssetResolver['verify']>> | undefined;
    await patched(driver, 'head', (head) => async (target) => {
      const result = head(target);
      await result.catch(() => env.azurite.putBlob(CONTAINER, target.location.key, 'appeared', { account: ACCOUNT }));
      return result;
    }, async () => { report = await resolver.verify('rw', { probeKey: 'out/appears.txt' }); });
    expect(statusOf(report!, 'write-probe')).toBe('fail:ALREADY_EXISTS');
    expect(await blob('out/appears.txt')).toBe('appeared');
  });

  it('rw: a probe object replaced by another writer before the cleanup is left alone (If-Match on delete)', async () => {
    const driver = await resolver.driver('azure');
    await patched(driver, 'read', (read) => async (target, range) => {
      await env.azurite.putBlob(CONTAINER, target.location.key, 'customer wrote this', { account: ACCOUNT });
      return read(target, range);
    }, async () => { await resolver.verify('rw', { probeKey: 'out/racy.txt' }); });
    expect(await blob('out/racy.txt')).toBe('customer wrote this');
  });

  it('rw: without a probeKey the probe still creates, reads back and removes its own object', async () => {
    const report = await resolver.verify('rw');
    expect(statusOf(report, 'write-probe')).toBe('pass');
    expect(await env.azurite.listBlobs(CONTAINER, 'out/.assetlink', ACCOUNT)).toEqual([]);
  });
});

describe('gcp (fake GCS)', () => {
  let world: GcpWorld;
  let resolver: AssetResolver;
  beforeAll(async () => {
    world = await startGcpWorld();
    resolver = world.resolver();
  });
  afterAll(async () => { await world?.close(); });
  const object = (key: string): string | undefined => world.fake.gcs.getObject(BUCKET, key)?.data.toString();

  it('rw: an existing probeKey is refused with ALREADY_EXISTS and the object is untouched', async () => {
    world.fake.gcs.putObject(BUCKET, 'labels/keep.txt', 'customer data');
    const generation = world.fake.gcs.getObject(BUCKET, 'labels/keep.txt')!.generation;
    const error = await failure(resolver.verify(world.readWrite.id, { probeKey: 'labels/keep.txt' }));
    expect(error.code).toBe('ALREADY_EXISTS');
    expect(world.fake.gcs.getObject(BUCKET, 'labels/keep.txt')).toMatchObject({ generation });
    expect(object('labels/keep.txt')).toBe('customer data');
  });

  it('ro: an existing probeKey is refused too', async () => {
    world.fake.gcs.putObject(BUCKET, 'datasets/keep.txt', 'customer data');
    expect((await failure(resolver.verify(world.readOnly.id, { probeKey: 'datasets/keep.txt' }))).code).toBe('ALREADY_EXISTS');
    expect(object('datasets/keep.txt')).toBe('customer data');
  });

  it('rw: an object that appears before the probe writes is not overwritten (ifGenerationMatch=0)', async () => {
    const driver = await resolver.driver('gcp');
    let report: Awaited<ReturnType<AssetResolver['verify']>> | undefined;
    await patched(driver, 'head', (head) => async (target) => {
      const result = head(target);
      await result.catch(() => world.fake.gcs.putObject(BUCKET, target.location.key, 'appeared'));
      return result;
    }, async () => { report = await resolver.verify(world.readWrite.id, { probeKey: 'labels/appears.txt' }); });
    expect(statusOf(report!, 'write-probe')).toBe('fail:ALREADY_EXISTS');
    expect(object('labels/appears.txt')).toBe('appeared');
  });

  it('rw: a probe object replaced by another writer before the cleanup is left alone (ifGenerationMatch on delete)', async () => {
    const driver = await resolver.driver('gcp');
    await patched(driver, 'read', (read) => async (target, range) => {
      world.fake.gcs.putObject(BUCKET, target.location.key, 'customer wrote this');
      return read(target, range);
    }, async () => { await resolver.verify(world.readWrite.id, { probeKey: 'labels/racy.txt' }); });
    expect(object('labels/racy.txt')).toBe('customer wrote this');
  });
});

describe('aws (existence check; the race cases are in s3-conditional-probe.test.ts)', () => {
  const ACCOUNT = '222222222222';
  const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/probe-role`;
  const EXTERNAL_ID = 'probe-external-id-0123456789abcdef';
  let fakes: AwsFakes;
  let resolver: AssetResolver;
  beforeAll(async () => {
    fakes = await startAwsFakes({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }], buckets: [{ name: 'probe-bucket', ownerAccountId: ACCOUNT }] });
    fakes.keyring.addStaticKey({ accessKeyId: 'AKIAPROBESTATIC00001', secretAccessKey: 'probe-static-secret', accountId: ACCOUNT });
    const integrations: Integration[] = [
      { id: 'rw', provider: 'aws', mode: 'read-write', scope: { bucket: 'probe-bucket', prefix: 'out' }, auth: { kind: 'assume-role', roleArn: ROLE_ARN, externalId: EXTERNAL_ID } },
      // Over-privileged: a key that can write, registered read-only.
      { id: 'static-ro', provider: 'aws', scope: { bucket: 'probe-bucket', prefix: 'in' }, auth: { kind: 'access-key', accessKeyId: 'AKIAPROBESTATIC00001', secretAccessKey: 'probe-static-secret' } },
    ];
    resolver = createAssetResolver({ platform: { aws: fakes.platform }, integrations });
  });
  afterAll(async () => { await resolver?.close(); await fakes?.close(); });

  for (const [id, key] of [['rw', 'out/keep.txt'], ['static-ro', 'in/keep.txt']] as const) {
    it(`${id}: an existing probeKey is refused with ALREADY_EXISTS; no PUT or DELETE is sent`, async () => {
      await fakes.s3.putObject('probe-bucket', key, 'customer data');
      const before = fakes.s3.requests.length;
      const error = await failure(resolver.verify(id, { probeKey: key }));
      expect(error.code).toBe('ALREADY_EXISTS');
      expect(Buffer.from((await fakes.s3.getObject('probe-bucket', key))!.body).toString()).toBe('customer data');
      expect(fakes.s3.requests.slice(before).filter((r) => r.key === key && (r.method === 'PUT' || r.method === 'DELETE'))).toEqual([]);
    }, 60_000);
  }

  it('a probeKey outside the integration scope is refused before anything is sent', async () => {
    const before = fakes.s3.requests.length;
    expect((await failure(resolver.verify('rw', { probeKey: 'elsewhere/x.txt' }))).code).toBe('OUT_OF_SCOPE');
    expect(fakes.s3.requests.slice(before).filter((r) => r.key === 'elsewhere/x.txt')).toEqual([]);
  });
});
