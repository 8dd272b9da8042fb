import dns from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type Integration } from '../../src/index.js';
import { bypassesProxy, noProxyList, proxyFor, refuseUnproxiedProvider } from '../../src/net/proxy-settings.js';
import { ForwardProxy } from '../../src/testing/forward-proxy.js';
import { startAwsFakes, type AwsFakes } from '../../src/testing/aws/index.js';
import { AzuriteBlobServer } from '../../src/testing/azure/azurite.js';
import { FakeEntra } from '../../src/testing/azure/fake-entra.js';
import { createTestCertificate } from '../../src/testing/azure/tls.js';
import { recordingLookup, startHttpsTestServer, type HttpsTestServer } from '../resolvers/https-fixture.js';
import { failure } from '../helpers/failure.js';

/**
 * platform.proxy: every provider, token-service and https-asset connection is a CONNECT tunnel
 * through the forward proxy. The Azure fakes are reachable only under names nothing but the proxy
 * resolves (the test network guard refuses them otherwise), so any request that bypassed the proxy
 * would fail: success proves 100% of the traffic went through it.
 */

const TENANT = '5e3f7a10-1111-4a2b-9c3d-4e5f6a7b8c9d';
const APP = '5e3f7a10-2222-4a2b-9c3d-4e5f6a7b8c9d';
const ACCOUNT = 'proxied';
const CONTAINER = 'assets';
const BLOB_HOST = 'azurite-behind-proxy';
const ENTRA_HOST = 'entra-behind-proxy';
const S3_HOST = 's3-behind-proxy';
const STS_HOST = 'sts-behind-proxy';

describe('platform.proxy', () => {
  const resolvers: AssetResolver[] = [];
  afterAll(async () => { await Promise.allSettled(resolvers.map((r) => r.close())); });

  describe('Azure storage and Entra through the proxy', () => {
    let azurite: AzuriteBlobServer;
    let entra: FakeEntra;
    let proxy: ForwardProxy;
    let ca: string;

    beforeAll(async () => {
      const tls = await createTestCertificate({ dnsNames: [BLOB_HOST, ENTRA_HOST] });
      ca = tls.ca;
      azurite = await AzuriteBlobServer.start({ tls, accounts: [ACCOUNT] });
      entra = await FakeEntra.start({ tls, apps: [{ tenantId: TENANT, clientId: APP, clientSecret: 'proxy-test-secret' }] });
      await azurite.createContainer(CONTAINER, ACCOUNT);
      await azurite.putBlob(CONTAINER, 'in/a.txt', 'through the proxy', { account: ACCOUNT });
      proxy = await ForwardProxy.start({ hosts: { [BLOB_HOST]: '127.0.0.1', [ENTRA_HOST]: '127.0.0.1' } });
    });
    afterAll(async () => { await Promise.allSettled([azurite?.close(), entra?.close(), proxy?.close()]); });

    it('reads and writes with every storage and token request tunnelled (names only the proxy resolves)', async () => {
      await expect(dns.lookup(BLOB_HOST)).rejects.toThrow();
      const integration: Integration = {
        id: 'az', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER },
        auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'proxy-test-secret' },
      };
      const resolver = createAssetResolver({
        integrations: [integration],
        platform: {
          azure: { authorityHost: `https://${ENTRA_HOST}:${new URL(entra.authorityHost).port}`, blobEndpoint: `https://${BLOB_HOST}:${azurite.port}/{account}`, ca },
          proxy: proxy.url,
          noProxy: [],
        },
      });
      resolvers.push(resolver);
      const asset = await resolver.resolveAsset(`https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/in/a.txt`);
      expect(new TextDecoder().decode(await asset.bytes())).toBe('through the proxy');
      await (await resolver.resolveAsset(`https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/out/b.txt`)).write('written');
      expect(new TextDecoder().decode(await azurite.getBlob(CONTAINER, 'out/b.txt', ACCOUNT))).toBe('written');
      // Every request the fakes served arrived through a tunnel the proxy opened.
      expect(entra.tokensIssued).toBeGreaterThan(0);
      expect(azurite.requests.filter((r) => r.auth !== 'sharedkey').length).toBeGreaterThan(2);
      const targets = new Set(proxy.tunnels.map((t) => t.replace(/:\d+$/, '')));
      expect([...targets].sort()).toEqual([BLOB_HOST, ENTRA_HOST].sort());
      expect(proxy.requests.every((r) => r.method === 'CONNECT' && r.status === 200)).toBe(true);
    });

    it('without the proxy the same names are unreachable (the proof above is not vacuous)', async () => {
      const resolver = createAssetResolver({
        integrations: [{ id: 'direct', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER }, auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: 'proxy-test-secret' } }],
        platform: { azure: { authorityHost: `https://${ENTRA_HOST}:${new URL(entra.authorityHost).port}`, blobEndpoint: `https://${BLOB_HOST}:${azurite.port}/{account}`, ca } },
        requestTimeoutMs: 3_000,
        cache: { refreshBeforeExpirySeconds: 60 },
      });
      resolvers.push(resolver);
      const before = proxy.requests.length;
      await failure(resolver.resolveAsset(`https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}/in/a.txt`).then((a) => a.bytes()));
      expect(proxy.requests.length).toBe(before);
    });
  });

  describe('AWS S3 and STS through the proxy', () => {
    let fakes: AwsFakes;
    let proxy: ForwardProxy;
    const ROLE = 'arn:aws:iam::222222222222:role/proxied';
    beforeAll(async () => {
      fakes = await startAwsFakes({
        roles: [{ roleArn: ROLE, externalId: 'ext-proxy-test-0001' }],
        buckets: [{ name: 'proxied-bucket', ownerAccountId: '222222222222' }],
      });
      await fakes.s3.putObject('proxied-bucket', 'in/a.txt', 'aws via proxy');
      proxy = await ForwardProxy.start({ hosts: { [S3_HOST]: '127.0.0.1', [STS_HOST]: '127.0.0.1' } });
    });
    afterAll(async () => { await Promise.allSettled([fakes?.close(), proxy?.close()]); });

    it('AssumeRole and every S3 request go through tunnels (endpoints named so only the proxy resolves them)', async () => {
      await expect(dns.lookup(S3_HOST)).rejects.toThrow();
      const s3Port = new URL(fakes.platform.endpoint!).port;
      const stsPort = new URL(fakes.platform.stsEndpoint!).port;
      const resolver = createAssetResolver({
        integrations: [{ id: 'aws', provider: 'aws', mode: 'read-write', scope: { bucket: 'proxied-bucket', region: 'us-east-1' }, auth: { kind: 'assume-role', roleArn: ROLE, externalId: 'ext-proxy-test-0001' } }],
        platform: {
          aws: { ...fakes.platform, endpoint: `http://${S3_HOST}:${s3Port}`, stsEndpoint: `http://${STS_HOST}:${stsPort}` },
          proxy: { aws: proxy.url },
          noProxy: [],
        },
        requestTimeoutMs: 5_000,
      });
      resolvers.push(resolver);
      const asset = await resolver.resolveAsset('s3://proxied-bucket/in/a.txt');
      expect(new TextDecoder().decode(await asset.bytes())).toBe('aws via proxy');
      await (await resolver.resolveAsset('s3://proxied-bucket/out/b.txt')).write('written via proxy');
      expect(fakes.sts.requestCount).toBeGreaterThan(0);
      const targets = new Set(proxy.tunnels.map((t) => t.replace(/:\d+$/, '')));
      expect([...targets].sort()).toEqual([S3_HOST, STS_HOST].sort());
      expect(proxy.requests.every((r) => r.method === 'CONNECT' && r.status === 200)).toBe(true);
    });
  });

  describe('https assets through the proxy, behind the SSRF guard', () => {
    let server: HttpsTestServer;
    let proxy: ForwardProxy;
    let resolver: AssetResolver;
    const lookup = recordingLookup();

    beforeAll(async () => {
      server = await startHttpsTestServer();
      server.put('/a/hello.txt', 'hello via proxy', 'text/plain');
      proxy = await ForwardProxy.start({ credentials: { username: 'egress', password: 'p@ss' } });
      resolver = createAssetResolver({
        integrations: [{ id: 'cdn', provider: 'https', scope: { hosts: ['assets.test', '*.assets.test'] } }],
        platform: {
          https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test', 'metadata.assets.test'], lookup, ca: server.ca },
          proxy: { https: proxy.url },
          noProxy: [],
        },
        requestTimeoutMs: 5_000,
      });
      resolvers.push(resolver);
    });
    afterAll(async () => { await Promise.allSettled([server?.close(), proxy?.close()]); });

    it('tunnels to the address the guard checked (the proxy never gets a name to resolve), with proxy credentials', async () => {
      const connections = server.connections();
      const asset = await resolver.resolveAsset(`https://assets.test:${server.port}/a/hello.txt`);
      expect(new TextDecoder().decode(await asset.bytes())).toBe('hello via proxy');
      expect(proxy.tunnels).toEqual([`127.0.0.1:${server.port}`]);
      expect(proxy.requests[0]).toMatchObject({ authorized: true, status: 200 });
      // Every connection the server accepted came through a tunnel.
      expect(server.connections() - connections).toBe(proxy.tunnels.length);
      expect(server.requests.at(-1)!.headers.host).toBe(`assets.test:${server.port}`);
    });

    it('a metadata address is refused before any byte reaches the proxy', async () => {
      const before = proxy.requests.length;
      const error = await failure(resolver.resolveAsset(`https://metadata.assets.test:${server.port}/latest/meta-data`).then((a) => a.bytes()));
      expect(error.code).toBe('BLOCKED_HOST');
      expect(proxy.requests.length).toBe(before);
    });
  });

  describe('configuration', () => {
    it('a string applies to every provider, an object per provider; only http(s) proxy URLs', async () => {
      expect(proxyFor('http://p:3128', 'gcp')?.url.host).toBe('p:3128');
      expect(proxyFor({ azure: 'http://p:3128' }, 'aws')).toBeUndefined();
      expect(proxyFor({ azure: 'https://p:443' }, 'azure')?.url.protocol).toBe('https:');
      expect(await failure(Promise.resolve().then(() => proxyFor('socks5://p:1080', 'aws')))).toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
    it('gcp is routed through the proxy now (test/net/proxy-gcp.test.ts): its driver no longer refuses to start', () => {
      expect(() => refuseUnproxiedProvider('gcp', 'http://p:3128')).not.toThrow();
      expect(() => refuseUnproxiedProvider('gcp', { gcp: 'http://p:3128' }, [])).not.toThrow();
    });
    it('NO_PROXY: exact hosts, domains with sub-domains, host:port, "*"; the option wins over the environment', () => {
      expect(bypassesProxy('a.internal.example', 443, ['.internal.example'])).toBe(true);
      expect(bypassesProxy('internal.example', 443, ['internal.example'])).toBe(true);
      expect(bypassesProxy('notinternal.example', 443, ['internal.example'])).toBe(false);
      expect(bypassesProxy('127.0.0.1', 10000, ['127.0.0.1:10000'])).toBe(true);
      expect(bypassesProxy('127.0.0.1', 10001, ['127.0.0.1:10000'])).toBe(false);
      expect(bypassesProxy('anything', 1, ['*'])).toBe(true);
      expect(bypassesProxy('localhost', 443, [])).toBe(false);
      expect(noProxyList(undefined, { NO_PROXY: 'a.example, .b.example' })).toEqual(['a.example', '.b.example']);
      expect(noProxyList([], { NO_PROXY: 'a.example' })).toEqual([]);
    });
  });
});
