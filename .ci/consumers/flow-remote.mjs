// A user's first hour against fakes served by another process ($FAKES, from fakes-server.mjs), so this
// project installs only assetlink and its peers:
//   node flow-remote.mjs NAME aws gcp azure [--otel] [--redis URL]
// Per provider: seed, read, refuse a read-only write, write a Node Readable, presign and fetch,
// verify; AWS also a multipart write (@aws-sdk/lib-storage); Azure with workload identity from a
// token file (auth.tokenFile).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createAssetResolver, createRedisCredentialStore, isAssetLinkError } from 'assetlink';
import { azure } from 'assetlink/testing';

const [name, ...args] = process.argv.slice(2);
const providers = args.filter((a) => ['aws', 'gcp', 'azure'].includes(a));
const redisUrl = args.includes('--redis') ? args[args.indexOf('--redis') + 1] : undefined;
const fakes = JSON.parse(process.env.FAKES);
const spans = [];
if (args.includes('--otel')) {
  const { trace } = await import('@opentelemetry/api');
  const span = (n) => {
    const s = { setAttribute: () => s, setAttributes: () => s, setStatus: () => s, end: () => spans.push(n), isRecording: () => true,
      recordException: () => undefined, addEvent: () => s, addLink: () => s, addLinks: () => s, updateName: () => s,
      spanContext: () => ({ traceId: '1'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 }) };
    return s;
  };
  trace.setGlobalTracerProvider({ getTracer: () => ({ startSpan: span, startActiveSpan: (n, o, f) => f(span(n)) }) });
}

const { platformToken, ...gcp } = fakes.platform.gcp;
const platform = { ...fakes.platform, gcp: { ...gcp, authClient: { getAccessToken: async () => ({ token: platformToken }) } } };
const trustingFetch = azure.createTrustingFetch(fakes.platform.azure.ca);
const fetchUrl = (url, init) => (url.startsWith('https:') ? trustingFetch(url, init) : fetch(url, init));
const put = async (uri, body, contentType) => {
  const r = await fetch(`${fakes.control}/object?uri=${encodeURIComponent(uri)}${contentType ? `&contentType=${encodeURIComponent(contentType)}` : ''}`, { method: 'PUT', body });
  assert.equal(r.status, 204, await r.text());
};
const get = async (uri) => new Uint8Array(await (await fetch(`${fakes.control}/object?uri=${encodeURIComponent(uri)}`)).arrayBuffer());
const uris = {
  aws: (k) => `s3://assetlink-test/${k}`,
  gcp: (k) => `gs://assetlink-test/${k}`,
  azure: (k) => `https://devstoreaccount1.blob.core.windows.net/assetlink-test/${k}`,
};
const text = (b) => new TextDecoder().decode(b);
const results = {};

const store = redisUrl ? await createRedisCredentialStore({ url: redisUrl, encryptionKey: Buffer.alloc(32, 7), keyPrefix: `assetlink-${name}:` }) : undefined;
const integrations = fakes.integrations.filter((i) => providers.includes(i.provider));
const resolver = createAssetResolver({ platform, integrations, ...(store ? { cache: { store } } : {}) });
try {
  for (const provider of providers) {
    const uri = uris[provider];
    await put(uri(`in/${name}.jpg`), `${provider} bytes`, 'image/jpeg');
    const asset = await resolver.resolveAsset(uri(`in/${name}.jpg`));
    assert.equal(text(await asset.bytes()), `${provider} bytes`);
    const refused = await asset.write('x').then(() => undefined, (e) => e);
    assert.ok(isAssetLinkError(refused, 'READ_ONLY'), `${provider}: a read-only write must fail with READ_ONLY, got ${refused}`);

    const out = await resolver.resolveAsset(uri(`out/${name}.json`));
    await out.write(Readable.from([Buffer.from('{"ok":'), 'true}']), { contentType: 'application/json' });
    assert.equal(text(await get(uri(`out/${name}.json`))), '{"ok":true}');

    const url = await asset.presign({ ttlSeconds: 300 });
    assert.equal(await (await fetchUrl(url.url, { headers: url.headers })).text(), `${provider} bytes`);

    const report = await resolver.verify(`${provider}-read-write`);
    assert.equal(report.status, 'active', JSON.stringify(report.checks));

    if (provider === 'aws') {
      const big = createAssetResolver({ platform: { aws: { ...platform.aws, multipartThresholdBytes: 5 * 1024 * 1024 } }, integrations: integrations.filter((i) => i.id === 'aws-read-write') });
      await (await big.resolveAsset(uri(`out/${name}-big.bin`))).write(Readable.from((function* () { for (let i = 0; i < 6; i++) yield Buffer.alloc(1024 * 1024, i); })()));
      assert.equal((await get(uri(`out/${name}-big.bin`))).byteLength, 6 * 1024 * 1024);
      await big.close();
    }
    results[provider] = 'ok';
  }
  if (args.includes('--otel')) {
    assert.ok(spans.includes('assetlink.bytes') && spans.includes('assetlink.write'), `spans recorded: ${spans.join(', ')}`);
    results.otel = spans.length;
  }
  if (redisUrl) {
    // The shared store really held the credentials (sealed), through the ioredis this project installed.
    const { default: Redis } = await import('ioredis');
    const client = new Redis(redisUrl);
    results.redis = (await client.keys(`assetlink-${name}:*`)).length;
    await client.quit();
    assert.ok(results.redis > 0, 'no credentials reached Redis');
  }
} catch (error) {
  console.error(error);
  process.exit(1);
} finally {
  await resolver.close();
  await store?.close();
}
console.log(JSON.stringify(results));
