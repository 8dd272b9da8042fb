// An AWS-only application (think Lambda handler), bundled by esbuild with no --external flags and
// run from a directory without node_modules. Config (platform + integration + object) comes in
// $APP_CONFIG; prints what it did as JSON.
import { createAssetResolver, isAssetLinkError } from 'assetlink';

const { platform, integrations, uri, writeUri } = JSON.parse(process.env.APP_CONFIG);
const resolver = createAssetResolver({ platform, integrations });
try {
  const asset = await resolver.resolveAsset(uri);
  const body = new TextDecoder().decode(await asset.bytes());
  const presigned = await asset.presign({ ttlSeconds: 300 });
  const fetched = await (await fetch(presigned.url)).text();
  const out = await resolver.resolveAsset(writeUri);
  await out.write(`copy of ${body}`);
  const written = new TextDecoder().decode(await out.bytes());
  console.log(JSON.stringify({ body, fetched, written }));
} catch (error) {
  console.log(JSON.stringify({ error: isAssetLinkError(error) ? { code: error.code, message: error.message } : String(error) }));
  process.exitCode = 1;
} finally {
  await resolver.close();
}
