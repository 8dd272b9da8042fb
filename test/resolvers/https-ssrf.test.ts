import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError, createAssetResolver, type AssetLinkEvent, type AssetResolver, type Integration } from '../../src/index.js';
import { recordingLookup, startHttpsTestServer, type HttpsTestServer } from './https-fixture.js';
import { failure } from '../helpers/failure.js';

/** The SSRF guard as the https provider applies it: DNS answers, IP literals, redirects. */


let server: HttpsTestServer;
let resolver: AssetResolver;
const events: AssetLinkEvent[] = [];
const lookup = recordingLookup();
const cdn: Integration = { id: 'cdn', provider: 'https', scope: { hosts: ['assets.test', '*.assets.test'] } };
const url = (path: string, host = 'assets.test', port = server.port): string => `https://${host}:${port}${path}`;

/** The read fails with `code` and the test server never saw a TCP connection. */
async function refusedWithoutConnecting(uri: string, code = 'BLOCKED_HOST', r = resolver): Promise<AssetLinkError> {
  const before = server.connections();
  const error = await failure(r.resolveAsset(uri).then((a) => a.bytes()));
  expect(error.code).toBe(code);
  expect(server.connections()).toBe(before);
  return error;
}

beforeAll(async () => {
  server = await startHttpsTestServer();
  server.put('/a/hello.txt', '0123456789', 'text/plain');
  resolver = createAssetResolver({
    integrations: [cdn],
    platform: {
      https: {
        allowPorts: [server.port],
        // TEST ONLY: these names reach the loopback server. metadata.assets.test is listed to prove
        // that even an allow-listed private host never reaches a metadata address.
        allowPrivateHosts: ['assets.test', 'cdn.assets.test', 'metadata.assets.test', 'metadata6.assets.test'],
        lookup,
        ca: server.ca,
      },
    },
    requestTimeoutMs: 5_000,
    onEvent: (event) => events.push(event),
  });
});

afterAll(async () => {
  await resolver?.close();
  await server?.close();
});

describe('SSRF guard: resolved addresses', () => {
  it('refuses a DNS answer mixing a public and a private address, as a whole', async () => {
    const error = await refusedWithoutConnecting(url('/a/hello.txt', 'mixed.assets.test'));
    expect(error.message).toMatch(/loopback/);
    expect(error.message).not.toContain('127.0.0.1'); // the internal address is not echoed back
    await refusedWithoutConnecting(url('/a/hello.txt', 'mixed6.assets.test'));
    expect(events.filter((e) => e.type === 'scope.refused').at(-1)).toMatchObject({ code: 'BLOCKED_HOST', integrationId: 'cdn' });
  });

  it.each([
    ['private.assets.test', /private/],
    ['loopback.assets.test', /loopback/],
    ['mapped.assets.test', /ipv4Mapped/],
    ['metadata.assets.test', /metadata/],
    ['metadata6.assets.test', /metadata/],
  ])('refuses %s (%s), for head and read alike', async (host, reason) => {
    const error = await refusedWithoutConnecting(url('/a/hello.txt', host));
    expect(error.message).toMatch(reason);
    expect(error).toMatchObject({ integrationId: 'cdn', uri: url('/a/hello.txt', host) });
    expect((await failure(resolver.resolveAsset(url('/a/hello.txt', host)).then((a) => a.head()))).code).toBe('BLOCKED_HOST');
  });

  it('checks at every connection: a name that later rebinds to a metadata address is refused', async () => {
    let calls = 0;
    const rebinding = async (): Promise<Array<{ address: string; family: 4 | 6 }>> => {
      calls += 1;
      return [{ address: calls === 1 ? '127.0.0.1' : '169.254.169.254', family: 4 }];
    };
    const r = createAssetResolver({
      integrations: [cdn],
      platform: { https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test'], lookup: rebinding, ca: server.ca } },
    });
    const asset = await r.resolveAsset(url('/a/hello.txt'));
    expect(new TextDecoder().decode(await asset.bytes())).toBe('0123456789');
    const before = server.connections();
    expect((await failure(asset.bytes())).code).toBe('BLOCKED_HOST');
    expect(server.connections()).toBe(before);
    expect(calls).toBe(2);
    await r.close();
  });

  it('a failed lookup is PROVIDER_ERROR, not a fallback to anything', async () => {
    const error = await failure(resolver.resolveAsset(url('/a.txt', 'nxdomain.assets.test')).then((a) => a.bytes()));
    expect(error.code).toBe('PROVIDER_ERROR');
  });
});

describe('SSRF guard: IP-literal hosts', () => {
  const literal = (host: string, allowPrivateHosts: string[] = []): AssetResolver => createAssetResolver({
    integrations: [{ id: 'ip', provider: 'https', scope: { hosts: [host] } }],
    platform: { https: { allowPorts: [server.port], allowPrivateHosts, lookup, ca: server.ca } },
  });

  it('checks an IP-literal host like a resolved address, without DNS', async () => {
    const calls = lookup.calls.length;
    await refusedWithoutConnecting(url('/a/hello.txt', '127.0.0.1'), 'BLOCKED_HOST', literal('127.0.0.1'));
    const allowed = literal('127.0.0.1', ['127.0.0.1']);
    expect(new TextDecoder().decode(await (await allowed.resolveAsset(url('/a/hello.txt', '127.0.0.1'))).bytes())).toBe('0123456789');
    expect(lookup.calls.length).toBe(calls);
    await allowed.close();
  });

  it('never connects to a metadata address, even when allow-listed, allowPrivateHosts and allowPorts all say yes', async () => {
    await refusedWithoutConnecting(url('/latest/meta-data/', '169.254.169.254'), 'BLOCKED_HOST', literal('169.254.169.254', ['169.254.169.254']));
    await refusedWithoutConnecting(url('/machine', '168.63.129.16'), 'BLOCKED_HOST', literal('168.63.129.16', ['168.63.129.16']));
  });

  it.each(['2130706433', '0x7f000001', '0x7f.0.0.1', '0177.0.0.1', '127.1', '017700000001'])(
    'refuses the IPv4 spelling %s before anything else (INVALID_URI)',
    async (host) => {
      expect((await failure(resolver.resolveAsset(`https://${host}/a.txt`))).code).toBe('INVALID_URI');
    },
  );

  it('refuses IPv4-mapped IPv6 literals such as [::ffff:127.0.0.1]', async () => {
    // Integrations cannot list an IPv6 literal, so no scope covers it; a redirect there is BLOCKED_HOST (below).
    expect((await failure(resolver.resolveAsset('https://[::ffff:127.0.0.1]/a.txt'))).code).toBe('NO_INTEGRATION');
  });
});

describe('SSRF guard: allow-list', () => {
  it('a host outside the allow-list: NO_INTEGRATION by scope, BLOCKED_HOST when the https integration is named', async () => {
    expect((await failure(resolver.resolveAsset(url('/a/hello.txt', 'other.test')))).code).toBe('NO_INTEGRATION');
    const error = await failure(resolver.resolveAsset(url('/a/hello.txt?token=secret-token', 'other.test'), 'cdn'));
    expect(error.code).toBe('BLOCKED_HOST');
    expect(`${error.message}${JSON.stringify(error)}`).not.toContain('secret-token');
    // `*.assets.test` covers sub-domains only, never assets.test's look-alikes.
    expect((await failure(resolver.resolveAsset(url('/a', 'evilassets.test'), 'cdn'))).code).toBe('BLOCKED_HOST');
  });

  it('ports other than 443 need allowPorts (the parser refuses them outright)', async () => {
    expect((await failure(resolver.resolveAsset(url('/a', 'assets.test', 8443)))).code).toBe('INVALID_URI');
  });
});

describe('SSRF guard: redirects', () => {
  const through = async (path: string): Promise<string> =>
    new TextDecoder().decode(await (await resolver.resolveAsset(url(path))).bytes());

  it('follows relative and absolute redirects inside the allow-list, keeping Range', async () => {
    server.redirect('/moved-relative', '/a/hello.txt', 301);
    server.redirect('/moved-absolute', url('/a/hello.txt', 'cdn.assets.test'), 307);
    expect(await through('/moved-relative')).toBe('0123456789');
    expect(await through('/moved-absolute')).toBe('0123456789');
    const ranged = await (await resolver.resolveAsset(url('/moved-absolute'))).read({ range: { start: 3, end: 4 } });
    expect(await new Response(ranged).text()).toBe('34');
    expect(server.requests.at(-1)?.headers).toMatchObject({ host: `cdn.assets.test:${server.port}`, range: 'bytes=3-4' });
  });

  it.each([
    ['a cloud metadata literal', 'https://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ['an allowed name resolving to metadata', () => url('/latest/meta-data/', 'metadata.assets.test')],
    ['a host off the allow-list', () => url('/a/hello.txt?X-Amz-Signature=leaked-signature', 'other.test')],
    ['an https → http downgrade', () => `http://assets.test:${server.port}/a/hello.txt`],
    ['userinfo', () => `https://user:pass@assets.test:${server.port}/a/hello.txt`],
    ['a port not in allowPorts', 'https://assets.test:8443/a/hello.txt'],
    ['a hex IPv4 spelling', () => `https://0x7f.0.0.1:${server.port}/a/hello.txt`],
    ['a decimal IPv4 spelling', () => `https://2130706433:${server.port}/a/hello.txt`],
    ['an octal IPv4 spelling', () => `https://0177.0.0.1:${server.port}/a/hello.txt`],
    ['an IPv4-mapped IPv6 literal', () => `https://[::ffff:127.0.0.1]:${server.port}/a/hello.txt`],
    ['a non-https scheme', 'file:///etc/passwd'],
    ['a scheme-relative private host', () => `//loopback.assets.test:${server.port}/a/hello.txt`],
  ])('refuses a redirect to %s with BLOCKED_HOST', async (_what, target) => {
    const location = typeof target === 'function' ? target() : target;
    const path = `/redirect-${Math.random().toString(36).slice(2)}`;
    server.redirect(path, location);
    const lookups = lookup.calls.length;
    const requests = server.requests.length;
    const error = await failure(resolver.resolveAsset(url(path)).then((a) => a.bytes()));
    expect(error.code).toBe('BLOCKED_HOST');
    expect(error.message).not.toContain('leaked-signature');
    expect(server.requests.length).toBe(requests + 1); // the first hop only
    expect(lookup.calls.slice(lookups)).not.toContain('other.test'); // off the allow-list: not even resolved
  });

  it('gives up on a redirect loop after maxRedirects (default 5) with PROVIDER_ERROR', async () => {
    const requests = server.requests.length;
    const error = await failure(resolver.resolveAsset(url('/loop/0')).then((a) => a.bytes()));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toMatch(/more than 5 redirects/);
    expect(server.requests.length - requests).toBe(6);
  });

  it('honours platform.https.maxRedirects', async () => {
    const r = createAssetResolver({
      integrations: [cdn],
      platform: { https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test'], lookup, ca: server.ca, maxRedirects: 1 } },
    });
    server.redirect('/hop-2', '/hop-1');
    server.redirect('/hop-1', '/a/hello.txt');
    expect(new TextDecoder().decode(await (await r.resolveAsset(url('/hop-1'))).bytes())).toBe('0123456789');
    expect((await failure((await r.resolveAsset(url('/hop-2'))).bytes())).code).toBe('PROVIDER_ERROR');
    await r.close();
  });
});
