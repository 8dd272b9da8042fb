import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import type { AssetLocation } from '../../src/types.js';
import type { AzuriteRequest } from '../../src/testing/azure/index.js';
import { startAzureTestEnvironment, type AzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { failure } from '../helpers/failure.js';

/**
 * Issue 13 item 7: every Azure data-plane call carries a user-delegation SAS that assetlink minted
 * for that one operation — read-only integrations never get a SAS that can write, whatever the
 * customer granted. Azurite does not enforce RBAC, so the Entra token of every app here could
 * write (an over-privileged identity): only the SAS stands between a read-only integration and a
 * write. Asserted on Azurite's request log: which auth each request used and what its SAS grants.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const ACCOUNT = 'opsasdata';
const CONTAINER = 'assets';
const auth = { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'operation-sas-secret' } as const;
const uri = (key: string): string => `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/${key}`;
const decode = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

let env: AzureTestEnvironment;
let resolver: AssetResolver;
const integrations: Integration[] = [
  { id: 'ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'in' }, auth },
  { id: 'rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'out' }, auth },
];

beforeAll(async () => {
  env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`], apps: [{ tenantId: TENANT, clientId: APP, clientSecret: auth.clientSecret }] });
  resolver = createAssetResolver({ platform: { azure: env.platform }, integrations });
  await env.azurite.putBlob(CONTAINER, 'in/photo.jpg', '0123456789', { account: ACCOUNT, contentType: 'image/jpeg' });
});
afterAll(async () => { await resolver?.close(); await env?.close(); });

/** Requests since `from` to paths under the container (data plane), as [method, auth, sp, sr]. */
function dataPlane(from: number): Array<[string, string, string | undefined, string | undefined]> {
  return env.azurite.requests.slice(from)
    .filter((r) => r.path.startsWith(`/${ACCOUNT}/${CONTAINER}`))
    .map((r) => [r.method, r.auth, r.sas?.sp, r.sas?.sr]);
}
const bearerRequests = (from: number): AzuriteRequest[] => env.azurite.requests.slice(from).filter((r) => r.auth === 'bearer');

describe('per-operation user-delegation SAS', () => {
  it('head, read and ranged reads send a blob SAS with only r; the bearer token only fetches the delegation key', async () => {
    const fresh = createAssetResolver({ platform: { azure: env.platform }, integrations });
    try {
      const before = env.azurite.requests.length;
      const asset = await fresh.resolveAsset(uri('in/photo.jpg'));
      expect((await asset.head()).size).toBe(10);
      expect(decode(await asset.bytes())).toBe('0123456789');
      expect(decode(new Uint8Array(await new Response(await asset.read({ range: { start: 2, end: 4 } })).arrayBuffer()))).toBe('234');
      expect(dataPlane(before)).toEqual([['HEAD', 'sas', 'r', 'b'], ['GET', 'sas', 'r', 'b'], ['GET', 'sas', 'r', 'b']]);
      expect(bearerRequests(before).map((r) => r.comp)).toEqual(['userdelegationkey']);
    } finally {
      await fresh.close();
    }
  });

  it('read-write: a write sends w, a staged stream upload sends w on every block and the commit, a delete sends d', async () => {
    const asset = await resolver.resolveAsset(uri('out/object.bin'));
    let before = env.azurite.requests.length;
    await asset.write('small body', { contentType: 'text/plain' });
    expect(dataPlane(before)).toEqual([['PUT', 'sas', 'w', 'b']]);

    const size = 9 * 1024 * 1024;
    let sent = 0;
    before = env.azurite.requests.length;
    await asset.write(new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) { controller.close(); return; }
        const chunk = new Uint8Array(256 * 1024).fill(sent % 251);
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    }));
    const staged = env.azurite.requests.slice(before).filter((r) => r.path.startsWith(`/${ACCOUNT}/${CONTAINER}`));
    expect(staged.filter((r) => r.comp === 'block').length).toBeGreaterThanOrEqual(3);
    expect(staged.map((r) => [r.auth, r.sas?.sp, r.sas?.sr])).toEqual(staged.map(() => ['sas', 'w', 'b']));
    expect((await env.azurite.getBlob(CONTAINER, 'out/object.bin', ACCOUNT))!.byteLength).toBe(size);

    before = env.azurite.requests.length;
    await asset.delete();
    expect(dataPlane(before)).toEqual([['DELETE', 'sas', 'd', 'b']]);
    expect(await env.azurite.getBlob(CONTAINER, 'out/object.bin', ACCOUNT)).toBeUndefined();
    expect(bearerRequests(before)).toEqual([]);
  });

  it('a GET with a read-write integration still only gets r', async () => {
    await env.azurite.putBlob(CONTAINER, 'out/readable.txt', 'rw data', { account: ACCOUNT });
    const before = env.azurite.requests.length;
    expect(decode(await (await resolver.resolveAsset(uri('out/readable.txt'))).bytes())).toBe('rw data');
    expect(dataPlane(before)).toEqual([['GET', 'sas', 'r', 'b']]);
  });

  it('listing (verify) sends a container SAS with only l', async () => {
    const driver = await resolver.driver('azure');
    await env.azurite.putBlob(CONTAINER, 'in/list/a.txt', 'a', { account: ACCOUNT });
    const before = env.azurite.requests.length;
    const location: AssetLocation = { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key: 'in/list/', uri: uri('in/list/') };
    expect((await driver.list!({ integration: resolver.integration('ro'), location }, 10)).keys).toEqual(['in/list/a.txt']);
    const sent = env.azurite.requests.slice(before).filter((r) => r.path.startsWith(`/${ACCOUNT}/${CONTAINER}`));
    // Get Account Information (is there a hierarchical namespace?) once per account, then the listing:
    // both with the same list-only container SAS.
    expect(sent.map((r) => [r.method, r.comp, r.auth, r.sas?.sp, r.sas?.sr])).toEqual([
      ['GET', 'properties', 'sas', 'l', 'c'], ['GET', 'list', 'sas', 'l', 'c'],
    ]);
    const again = env.azurite.requests.length;
    await driver.list!({ integration: resolver.integration('ro'), location }, 10);
    expect(dataPlane(again)).toEqual([['GET', 'sas', 'l', 'c']]);
  });

  it('read-only: the driver refuses to mint anything that can write, even when called directly', async () => {
    const driver = await resolver.driver('azure');
    const integration = resolver.integration('ro');
    const location: AssetLocation = { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key: 'in/photo.jpg', uri: uri('in/photo.jpg') };
    const before = env.azurite.requests.length;
    expect((await failure(driver.write({ integration, location }, new TextEncoder().encode('x'), {}))).code).toBe('READ_ONLY');
    expect((await failure(driver.delete({ integration, location }))).code).toBe('READ_ONLY');
    expect((await failure(driver.createIfAbsent!({ integration, location: { ...location, key: 'in/new.txt' } }, new TextEncoder().encode('x'), {}))).code).toBe('READ_ONLY');
    expect((await failure(driver.presign({ integration, location }, { method: 'PUT', ttlSeconds: 60, clamp: false }))).code).toBe('READ_ONLY');
    expect(dataPlane(before)).toEqual([]);
    expect(decode(await env.azurite.getBlob(CONTAINER, 'in/photo.jpg', ACCOUNT))).toBe('0123456789');
  });

  it('read-only over an over-privileged identity: the raw write probe is refused by Azure because its SAS carries only r', async () => {
    const driver = await resolver.driver('azure');
    const integration = resolver.integration('ro');
    const location: AssetLocation = { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key: 'in/probe.txt', uri: uri('in/probe.txt') };
    const before = env.azurite.requests.length;
    expect(await driver.probeRawWrite!({ integration, location }, new TextEncoder().encode('probe'))).toBe('refused');
    const puts = env.azurite.requests.slice(before).filter((r) => r.method === 'PUT');
    expect(puts.map((r) => [r.auth, r.sas?.sp, r.sas?.sr, r.conditions?.ifNoneMatch])).toEqual([['sas', 'r', 'b', '*']]);
    expect(await env.azurite.getBlob(CONTAINER, 'in/probe.txt', ACCOUNT)).toBeUndefined();
  });

  it("verify's read-only-enforced check passes for that integration (it used to warn)", async () => {
    const report = await resolver.verify('ro');
    expect(report.checks.find((c) => c.name === 'read-only-enforced')).toMatchObject({ status: 'pass' });
    expect(await env.azurite.listBlobs(CONTAINER, 'in/.assetlink', ACCOUNT)).toEqual([]);
  });

  it('the read-write probe creates with c (If-None-Match: *) and cleans up with d (If-Match)', async () => {
    const before = env.azurite.requests.length;
    const report = await resolver.verify('rw');
    expect(report.checks.find((c) => c.name === 'write-probe')).toMatchObject({ status: 'pass' });
    const probe = env.azurite.requests.slice(before).filter((r) => r.path.includes('/.assetlink/'));
    expect(probe.map((r) => [r.method, r.sas?.sp, r.conditions?.ifNoneMatch ?? r.conditions?.ifMatch ? 'conditional' : 'plain']))
      .toEqual([['PUT', 'c', 'conditional'], ['GET', 'r', 'plain'], ['DELETE', 'd', 'conditional']]);
  });

  it('SAS are reused within their window: many reads of one blob make one signature, no extra key requests', async () => {
    const keysBefore = env.azurite.userDelegationKeyRequests;
    const asset = await resolver.resolveAsset(uri('in/photo.jpg'));
    const before = env.azurite.requests.length;
    for (let i = 0; i < 5; i++) await asset.head();
    const sent = env.azurite.requests.slice(before);
    expect(sent.map((r) => r.auth)).toEqual(['sas', 'sas', 'sas', 'sas', 'sas']);
    const windows = new Set(sent.map((r) => `${r.sas?.st}|${r.sas?.se}`));
    expect(windows.size).toBe(1);
    expect(env.azurite.userDelegationKeyRequests - keysBefore).toBe(0);
  });

  it('a SAS lives at most the operation window (≤ 30 min plus clock-skew backdating) and never outlives its key', async () => {
    const before = env.azurite.requests.length;
    await (await resolver.resolveAsset(uri('in/photo.jpg'))).head();
    const sas = env.azurite.requests.slice(before)[0]!.sas!;
    const now = Date.now();
    expect(Date.parse(sas.se!)).toBeGreaterThan(now + 14 * 60_000);
    expect(Date.parse(sas.se!)).toBeLessThanOrEqual(now + 30 * 60_000);
    expect(Date.parse(sas.st!)).toBeGreaterThanOrEqual(now - 30 * 60_000 - 300_000);
    expect(sas.spr).toBe('https');
  });

  it('the SAS of a failed data-plane request never shows in the error', async () => {
    const driver = await resolver.driver('azure');
    const integration = resolver.integration('ro');
    const missing: AssetLocation = { provider: 'azure', account: ACCOUNT, bucket: CONTAINER, key: 'in/missing.txt', uri: uri('in/missing.txt') };
    const errors = [
      await failure(driver.head({ integration, location: missing })),
      await failure(driver.read({ integration, location: missing })),
      await failure((await resolver.resolveAsset(uri('in/missing.txt'))).bytes()),
    ];
    for (const error of errors) {
      for (const shown of [error.message, JSON.stringify(error), inspect(error, { depth: 6 }), String(error.stack), String((error.cause as Error | undefined)?.message)]) {
        expect(shown).not.toMatch(/sig=(?!\[REDACTED\])[A-Za-z0-9%+/=]{8,}/);
        expect(shown).not.toMatch(/skoid=|sktid=/);
      }
    }
  });
});
