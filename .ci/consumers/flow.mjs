// A user's first hour, from the installed tarball: `node flow.mjs aws gcp azure [--otel] [--redis URL]`.
// Each provider runs against the fakes of assetlink/testing: seed, read, write back, refuse a
// read-only write, presign and fetch, verify, a multipart write (AWS: @aws-sdk/lib-storage).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createAssetResolver, isAssetLinkError, createRedisCredentialStore } from 'assetlink';
import { createTestResolver } from 'assetlink/testing';

const args = process.argv.slice(2);
const providers = args.filter((a) => ['aws', 'gcp', 'azure'].includes(a));
const redisUrl = args.includes('--redis') ? args[args.indexOf('--redis') + 1] : undefined;
const spans = [];
if (args.includes('--otel')) {
  const { trace } = await import('@opentelemetry/api');
  const span = (name) => {
    const s = { setAttribute: () => s, setAttributes: () => s, setStatus: () => s, end: () => spans.push(name), isRecording: () => true,
      recordException: () => undefined, addEvent: () => s, addLink: () => s, addLinks: () => s, updateName: () => s,
      spanContext: () => ({ traceId: '1'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 }) };
    return s;
  };
  trace.setGlobalTracerProvider({ getTracer: () => ({ startSpan: span, startActiveSpan: (n, o, f) => f(span(n)) }) });
}

const uris = {
  aws: (k) => `s3://assetlink-test/${k}`,
  gcp: (k) => `gs://assetlink-test/${k}`,
  azure: (k) => `https://devstoreaccount1.blob.core.windows.net/assetlink-test/${k}`,
};
const text = (b) => new TextDecoder().decode(b);
const results = {};

try {
  for (const provider of providers) {
    const store = redisUrl ? await createRedisCredentialStore({ url: redisUrl, encryptionKey: Buffer.alloc(32, 7) }) : undefined;
    const t = await createTestResolver({ providers: [provider], ...(store ? { cache: { store } } : {}) });
    try {
      const uri = uris[provider];
      await t.cloud.putObject(uri('in/photo.jpg'), `${provider} bytes`, 'image/jpeg');
      const asset = await t.resolver.resolveAsset(uri('in/photo.jpg'));
      assert.equal(text(await asset.bytes()), `${provider} bytes`);
      const refused = await asset.write('x').then(() => undefined, (e) => e);
      assert.ok(isAssetLinkError(refused, 'READ_ONLY'), `${provider}: a read-only write must fail with READ_ONLY`);

      const out = await t.resolver.resolveAsset(uri('out/label.json'));
      await out.write(Readable.from([Buffer.from('{"ok":'), 'true}']), { contentType: 'application/json' });
      assert.equal(text(await t.cloud.getObject(uri('out/label.json'))), '{"ok":true}');

      const url = await asset.presign({ ttlSeconds: 300 });
      const response = await t.cloud.fetch(url.url, { headers: url.headers });
      assert.equal(await response.text(), `${provider} bytes`);

      const report = await t.resolver.verify(`${provider}-read-write`);
      assert.equal(report.status, 'active', JSON.stringify(report.checks));

      if (provider === 'aws') {
        // Above the multipart threshold: the write goes through @aws-sdk/lib-storage.
        const big = createAssetResolver({
          platform: { aws: { ...t.cloud.platform.aws, multipartThresholdBytes: 5 * 1024 * 1024 } },
          integrations: [t.integrations.aws.readWrite],
        });
        const six = 6 * 1024 * 1024;
        await (await big.resolveAsset(uri('out/big.bin'))).write(Readable.from((function* () { for (let i = 0; i < 6; i++) yield Buffer.alloc(1024 * 1024, i); })()));
        assert.equal((await t.cloud.getObject(uri('out/big.bin'))).byteLength, six);
        await big.close();
      }
      results[provider] = 'ok';
    } finally {
      await t.close();
      await store?.close();
    }
  }
} catch (error) {
  // Fail now: an open Redis connection or fake server must not keep a failed flow alive.
  console.error(error);
  process.exit(1);
}
if (args.includes('--otel')) {
  assert.ok(spans.includes('assetlink.bytes') && spans.includes('assetlink.write'), `spans recorded: ${spans.join(', ')}`);
  results.otel = spans.length;
}
if (redisUrl) {
  // The shared store really held the credentials (sealed), through the ioredis the user installed.
  const { default: Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  const keys = await client.keys('assetlink:*');
  await client.quit();
  assert.ok(keys.length > 0, 'no credentials reached Redis');
  results.redis = keys.length;
}
console.log(JSON.stringify(results));
