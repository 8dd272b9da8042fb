// The CommonJS build: require('assetlink') and require('assetlink/testing'), one AWS round trip.
const assert = require('node:assert/strict');
const { parseAssetUri, isAssetLinkError, AssetLinkError } = require('assetlink');
const { createTestResolver } = require('assetlink/testing');

(async () => {
  assert.equal(parseAssetUri('s3://bucket/key').provider, 'aws');
  const t = await createTestResolver({ providers: ['aws'] });
  try {
    await t.cloud.putObject('s3://assetlink-test/in/a.txt', 'from cjs');
    const asset = await t.resolver.resolveAsset('s3://assetlink-test/in/a.txt');
    assert.equal(new TextDecoder().decode(await asset.bytes()), 'from cjs');
    const error = await asset.write('x').catch((e) => e);
    assert.ok(error instanceof AssetLinkError && isAssetLinkError(error, 'READ_ONLY'));
    // The ESM copy's class recognises the CommonJS copy's error (dual-package hazard).
    const esm = await import('assetlink');
    assert.ok(esm.isAssetLinkError(error) && error instanceof esm.AssetLinkError);
    console.log(JSON.stringify({ cjs: 'ok' }));
  } finally {
    await t.close();
  }
})().catch((e) => { console.error(e); process.exit(1); });
