import https from 'node:https';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import { AzuriteBlobServer } from '../../src/testing/azure/azurite.js';
import { FakeEntra } from '../../src/testing/azure/fake-entra.js';
import { createTrustingFetch } from '../../src/testing/azure/https-fetch.js';
import { createTestCertificate, type TestCertificate } from '../../src/testing/azure/tls.js';
import { STORAGE_SCOPE } from '../../src/auth/azure-token.js';

/**
 * Issue 21, sovereign clouds: an integration with `scope.cloud: 'china'` or `'usgov'` and NO
 * endpoint overrides signs in at that cloud's Entra authority (login.chinacloudapi.cn,
 * login.microsoftonline.us) and talks to that cloud's blob host (ACCOUNT.blob.core.chinacloudapi.cn,
 * ACCOUNT.blob.core.usgovcloudapi.net), over real TLS with those names. The machine has no
 * internet, so the test routes those host names to the fake Entra and to Azurite (which serves
 * production-style hosts) the way /etc/hosts would, at the socket: only where TCP connects
 * changes; the URLs, Host headers, SNI and certificate checks are the real names.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP = '0f7e1a52-1111-4c2b-9d7e-5f4a3b2c1d0e';
const SECRET = 'sovereign-secret';
const CLOUDS = {
  china: { login: 'login.chinacloudapi.cn', blob: 'mooncakedata.blob.core.chinacloudapi.cn', account: 'mooncakedata' },
  usgov: { login: 'login.microsoftonline.us', blob: 'fairfaxdata.blob.core.usgovcloudapi.net', account: 'fairfaxdata' },
} as const;

let tls: TestCertificate;
let azurite: AzuriteBlobServer;
let entra: FakeEntra;
const connections: string[] = [];
let restore: (() => void) | undefined;

beforeAll(async () => {
  const names = Object.values(CLOUDS).flatMap((c) => [c.login, c.blob]);
  tls = await createTestCertificate({ dnsNames: names });
  azurite = await AzuriteBlobServer.start({ tls, accounts: Object.values(CLOUDS).map((c) => c.account) });
  entra = await FakeEntra.start({ tls, apps: [{ tenantId: TENANT, clientId: APP, clientSecret: SECRET }] });
  for (const c of Object.values(CLOUDS)) await azurite.createContainer('data', c.account);
  const route = new Map<string, number>(Object.values(CLOUDS).flatMap((c) => [[c.login, Number(new URL(entra.authorityHost).port)], [c.blob, azurite.port]] as Array<[string, number]>));
  // The test's "hosts file": sovereign names on port 443 connect to the local servers instead.
  const original = https.Agent.prototype.createConnection;
  https.Agent.prototype.createConnection = function (this: https.Agent, options: Record<string, unknown>, callback?: unknown): Duplex {
    const host = String(options.host ?? '');
    const port = route.get(host);
    if (port !== undefined && Number(options.port ?? 443) === 443) {
      connections.push(host);
      return (original as (...args: unknown[]) => Duplex).call(this, { ...options, host: '127.0.0.1', port, servername: host }, callback);
    }
    return (original as (...args: unknown[]) => Duplex).call(this, options, callback);
  } as typeof original;
  restore = () => { https.Agent.prototype.createConnection = original; };
});
afterAll(async () => {
  restore?.();
  await Promise.allSettled([azurite?.close(), entra?.close()]);
});

function resolverFor(cloud: 'china' | 'usgov'): AssetResolver {
  const integrations: Integration[] = [{
    id: `${cloud}-rw`, provider: 'azure', mode: 'read-write', scope: { account: CLOUDS[cloud].account, container: 'data', cloud },
    auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: SECRET },
  }];
  // Only the test CA: no authorityHost, no blobEndpoint — the cloud's defaults are what is tested.
  return createAssetResolver({ integrations, platform: { azure: { ca: tls.ca } } });
}

describe('sovereign clouds without endpoint overrides', () => {
  it.each(['china', 'usgov'] as const)('%s: token from the cloud\'s authority, data and presigned URLs on the cloud\'s blob host', async (cloud) => {
    const { login, blob, account } = CLOUDS[cloud];
    const resolver = resolverFor(cloud);
    try {
      connections.length = 0;
      const uri = `https://${blob}/data/labels/a.json`;
      const asset = await resolver.resolveAsset(uri);
      expect(asset.location).toMatchObject({ cloud, account, uri });
      await asset.write('{"cloud":true}', { contentType: 'application/json' });
      expect(new TextDecoder().decode(await asset.bytes())).toBe('{"cloud":true}');
      expect(new TextDecoder().decode((await azurite.getBlob('data', 'labels/a.json', account))!)).toBe('{"cloud":true}');

      expect(connections).toContain(login);
      expect(connections).toContain(blob);
      expect(connections.every((h) => h === login || h === blob)).toBe(true);
      // Same audience in every cloud: Storage's resource id is https://storage.azure.com everywhere.
      expect(entra.tokenRequests.filter((r) => r.clientId === APP).map((r) => r.scope)).toContain(STORAGE_SCOPE);

      const presigned = await asset.presign({ ttlSeconds: 300 });
      expect(new URL(presigned.url).host).toBe(blob);
      const fetched = await createTrustingFetch(tls.ca)(presigned.url.replace(blob, `127.0.0.1:${azurite.port}/${account}`));
      expect(await fetched.text()).toBe('{"cloud":true}');

      const listed: string[] = [];
      for await (const o of resolver.list(`https://${blob}/data/labels/`)) listed.push(o.uri);
      expect(listed).toEqual([uri]);
      // az:// names no account and no cloud: the integration's decide both, for the listing's URIs too.
      const viaAz: string[] = [];
      for await (const o of resolver.list('az://data/labels/')) viaAz.push(o.uri);
      expect(viaAz).toEqual([uri]);
      expect((await resolver.resolveAsset('az://data/labels/a.json')).location.uri).toBe(uri);
      const report = await resolver.verify(`${cloud}-rw`, { profile: 'read-objects', sampleUri: uri });
      expect(report.failing).toEqual([]);
      expect(report.status).toBe('active');
    } finally {
      await resolver.close();
      entra.reset();
    }
  });
});
