import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError } from '../../src/index.js';
import { importOptional } from '../../src/optional-import.js';
import { createTestResolver, type TestResolver } from '../../src/testing/index.js';

const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

describe('createTestResolver: every cloud, one line', () => {
  let t: TestResolver;
  beforeAll(async () => { t = await createTestResolver(); }, 120_000);
  afterAll(async () => { await t?.close(); });

  const uris = {
    aws: (k: string) => `s3://assetlink-test/${k}`,
    gcp: (k: string) => `gs://assetlink-test/${k}`,
    azure: (k: string) => `https://devstoreaccount1.blob.core.windows.net/assetlink-test/${k}`,
  } as const;

  it.each(['aws', 'gcp', 'azure'] as const)('%s: seed, read, write back, refuse read-only writes, presign', async (provider) => {
    const uri = uris[provider];
    await t.cloud.putObject(uri('in/photo.jpg'), `${provider} bytes`, 'image/jpeg');
    const asset = await t.resolver.resolveAsset(uri('in/photo.jpg'));
    expect(asset.integrationId).toBe(`${provider}-read-only`);
    expect(text(await asset.bytes())).toBe(`${provider} bytes`);
    await expect(asset.write('x')).rejects.toMatchObject({ code: 'READ_ONLY' });

    const out = await t.resolver.resolveAsset(uri('out/label.json'));
    expect(out.integrationId).toBe(`${provider}-read-write`);
    await out.write('{"ok":true}', { contentType: 'application/json' });
    expect(text(await t.cloud.getObject(uri('out/label.json')))).toBe('{"ok":true}');

    const url = await asset.presign({ ttlSeconds: 300 });
    const response = await t.cloud.fetch(url.url, { headers: url.headers });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`${provider} bytes`);
  });

  it('every integration verifies as active against the fakes', async () => {
    for (const pair of Object.values(t.integrations)) {
      for (const integration of [pair.readOnly, pair.readWrite]) {
        const report = await t.resolver.verify(integration.id);
        expect(report.failing, `${integration.id}: ${JSON.stringify(report.checks)}`).toEqual([]);
        expect(report.status).toBe('active');
      }
    }
  });

  it('more customers can be added; integrations print no secrets', async () => {
    const extra = await t.cloud.awsIntegration({ bucket: 'second-customer', prefix: 'raw', mode: 'read-write' });
    t.resolver.addIntegration(extra);
    const asset = await t.resolver.resolveAsset('s3://second-customer/raw/a.txt');
    await asset.write('second');
    expect(text(await t.cloud.getObject('s3://second-customer/raw/a.txt'))).toBe('second');
    expect(inspect(t.resolver, { depth: 8 })).not.toContain(extra.auth.kind === 'assume-role' ? extra.auth.externalId : '-');
  });
});

describe('optional emulator packages', () => {
  it('a missing package is MISSING_DEPENDENCY naming what to install', async () => {
    const error = await importOptional('@example/not-installed', () => import('@example/not-installed' as string)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssetLinkError);
    expect((error as AssetLinkError).code).toBe('MISSING_DEPENDENCY');
    expect((error as Error).message).toContain('npm install @example/not-installed');
  });
});
