import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, type AssetResolver, type HttpsPlatformOptions } from '../../src/index.js';
import { recordingLookup, startHttpsTestServer, type HttpsTestServer } from './https-fixture.js';
import { codeOf, failure } from '../helpers/failure.js';

/**
 * Issue 13 item 8: the https provider bounds what one request may cost.
 * - `platform.https.maxBodyBytes` (default 32 MiB): a larger body is BODY_TOO_LARGE, read with
 *   bytes() or read(), refused up front when Content-Length says so, counted otherwise, and a
 *   compressed body counts decompressed (gzip/brotli bombs, stacked encodings).
 * - `platform.https.deadlineMs` (default requestTimeoutMs): one deadline for the whole request —
 *   redirects, headers and body. A body that trickles (never silent long enough for the idle
 *   timeout) fails with TIMEOUT at the deadline, for bytes(), read() and ranged reads.
 */

const MiB = 1024 * 1024;
const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
const drain = async (s: ReadableStream<Uint8Array>): Promise<number> => {
  let total = 0;
  const reader = s.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.byteLength;
  }
};

let server: HttpsTestServer;
const lookup = recordingLookup();
const resolvers: AssetResolver[] = [];
const url = (path: string): string => `https://assets.test:${server.port}${path}`;

function make(https: Partial<HttpsPlatformOptions> = {}, requestTimeoutMs = 20_000): AssetResolver {
  const resolver = createAssetResolver({
    integrations: [{ id: 'cdn', provider: 'https', scope: { hosts: ['assets.test'] } }],
    platform: { https: { allowPorts: [server.port], allowPrivateHosts: ['assets.test'], lookup, ca: server.ca, ...https } },
    requestTimeoutMs,
  });
  resolvers.push(resolver);
  return resolver;
}

beforeAll(async () => {
  server = await startHttpsTestServer();
  server.put('/a/hello.txt', '0123456789', 'text/plain');
});
afterAll(async () => {
  await Promise.all(resolvers.map((r) => r.close()));
  await server?.close();
});

describe('https provider: maxBodyBytes', () => {
  it('refuses a 48 MiB body by default, with bytes() and with read(), before reading it when Content-Length says so', async () => {
    const resolver = make();
    const asset = await resolver.resolveAsset(url('/huge/48'));
    const error = await failure(asset.bytes());
    expect(error.code).toBe('BODY_TOO_LARGE');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('maxBodyBytes');
    expect(error.message).toContain(String(32 * MiB));
    expect(await codeOf(asset.read())).toBe('BODY_TOO_LARGE');
    // A range inside the limit is fine, even of a huge object.
    expect(await drain(await asset.read({ range: { start: 0, end: MiB - 1 } }))).toBe(MiB);
  });

  it('counts a body without Content-Length and fails it once it passes the limit', async () => {
    const resolver = make();
    const asset = await resolver.resolveAsset(url('/huge-chunked/48'));
    expect(await codeOf(asset.bytes())).toBe('BODY_TOO_LARGE');
    const stream = await asset.read();
    const error = await failure(drain(stream));
    expect(error.code).toBe('BODY_TOO_LARGE');
  });

  it('lets a body of exactly maxBodyBytes through and refuses one byte more', async () => {
    const resolver = make({ maxBodyBytes: MiB });
    expect((await (await resolver.resolveAsset(url('/huge/1'))).bytes()).byteLength).toBe(MiB);
    expect((await (await resolver.resolveAsset(url('/huge-chunked/1'))).bytes()).byteLength).toBe(MiB);
    expect(await codeOf((await resolver.resolveAsset(url('/huge/2'))).bytes())).toBe('BODY_TOO_LARGE');
    expect(await codeOf((await resolver.resolveAsset(url('/huge-chunked/2'))).bytes())).toBe('BODY_TOO_LARGE');
  });

  it.each(['/gzip-bomb', '/br-bomb', '/gzip-twice'])('a compressed body counts decompressed: %s (≈48 MiB decoded) is refused', async (path) => {
    const resolver = make();
    const asset = await resolver.resolveAsset(url(path));
    expect(await codeOf(asset.bytes())).toBe('BODY_TOO_LARGE');
    expect((await failure(drain(await asset.read()))).code).toBe('BODY_TOO_LARGE');
  });

  it('asks for identity, decodes a gzip body sent anyway, and refuses an encoding it cannot decode', async () => {
    const resolver = make();
    expect(decode(await (await resolver.resolveAsset(url('/gzip-small'))).bytes())).toBe('hello gzip');
    expect(server.requests.at(-1)?.headers['accept-encoding']).toBe('identity');
    expect(await codeOf((await resolver.resolveAsset(url('/zstd'))).bytes())).toBe('PROVIDER_ERROR');
  });

  it('rejects invalid limits with INVALID_ARGUMENT', async () => {
    for (const bad of [{ maxBodyBytes: 0 }, { maxBodyBytes: -1 }, { maxBodyBytes: 1.5 }, { deadlineMs: 0 }, { deadlineMs: Number.NaN }]) {
      const resolver = make(bad as Partial<HttpsPlatformOptions>);
      expect(await codeOf(resolver.resolveAsset(url('/a/hello.txt')))).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('https provider: deadlineMs', () => {
  it('a body trickling one byte every 150 ms fails with TIMEOUT at the deadline (default: requestTimeoutMs)', async () => {
    const resolver = make({}, 800);
    const asset = await resolver.resolveAsset(url('/trickle/40'));
    const error = await failure(asset.bytes());
    expect(error.code).toBe('TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('deadlineMs');
    expect((await failure(drain(await asset.read()))).code).toBe('TIMEOUT');
    expect((await failure(drain(await asset.read({ range: { start: 0, end: 39 } })))).code).toBe('TIMEOUT');
    const ranged = await resolver.resolveAsset(url('/trickle-range'));
    expect((await failure(drain(await ranged.read({ range: { start: 0, end: 39 } })))).code).toBe('TIMEOUT');
  });

  it('the deadline runs even while nobody reads the stream', async () => {
    const resolver = make({ deadlineMs: 2_000 });
    const stream = await (await resolver.resolveAsset(url('/trickle/40'))).read();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await failure(drain(stream))).code).toBe('TIMEOUT');
  });

  it('an explicit deadlineMs shorter than requestTimeoutMs applies; redirects count toward it, for read and head', async () => {
    const resolver = make({ deadlineMs: 800 }, 20_000);
    // Four hops of 300 ms: each hop is quick, the chain is not.
    expect(await codeOf((await resolver.resolveAsset(url('/redirect-slow/4'))).bytes())).toBe('TIMEOUT');
    expect(await codeOf((await resolver.resolveAsset(url('/redirect-slow/4'))).head())).toBe('TIMEOUT');
    expect(await codeOf((await resolver.resolveAsset(url('/trickle/40'))).bytes())).toBe('TIMEOUT');
    // A chain that fits is followed (a roomier deadline: this machine may be busy).
    const roomy = make({ deadlineMs: 10_000 }, 20_000);
    expect(decode(await (await roomy.resolveAsset(url('/redirect-slow/2'))).bytes())).toBe('0123456789');
  });

  it('deadline and body limit apply to already pre-signed URLs fetched through the https provider', async () => {
    const resolver = make({}, 800);
    const expiry = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const signed = url(`/trickle/40?sv=2024-05-04&se=${encodeURIComponent(expiry)}&sp=r&sig=any-signature`);
    const asset = await resolver.resolveAsset(signed);
    expect(asset.location.presigned?.kind).toBe('azure');
    const error = await failure(asset.bytes());
    expect(error.code).toBe('TIMEOUT');
    expect(JSON.stringify(error)).not.toContain('any-signature');
    const bomb = await make().resolveAsset(url(`/gzip-bomb?sv=2024-05-04&se=${encodeURIComponent(expiry)}&sp=r&sig=any-signature`));
    expect(await codeOf(bomb.bytes())).toBe('BODY_TOO_LARGE');
  });

  it('many bodies streaming at once share the driver without listener warnings', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.name); };
    process.on('warning', onWarning);
    try {
      const resolver = make();
      const streams = await Promise.all(Array.from({ length: 25 }, async () => (await resolver.resolveAsset(url('/a/hello.txt'))).read()));
      expect(await Promise.all(streams.map(drain))).toEqual(Array.from({ length: 25 }, () => 10));
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((name) => name === 'MaxListenersExceededWarning')).toEqual([]);
  });

  it('deadlineMs: Infinity and a larger maxBodyBytes opt out explicitly', async () => {
    const resolver = make({ deadlineMs: Number.POSITIVE_INFINITY, maxBodyBytes: 64 * MiB }, 2_000);
    expect((await (await resolver.resolveAsset(url('/gzip-bomb'))).bytes()).byteLength).toBe(48 * MiB);
  });
});
