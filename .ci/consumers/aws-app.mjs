// An AWS-only application (think Lambda handler), bundled by esbuild with no --external flags and
// run from a directory without node_modules. Config (platform + integrations + objects) comes in
// $APP_CONFIG; prints what it did as JSON. No top-level await, so it bundles to CommonJS too.
import { createAssetResolver, isAssetLinkError } from 'assetlink';

async function main() {
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
    const refused = await asset.write('x').then(() => 'written!', (e) => (isAssetLinkError(e) ? e.code : String(e)));
    return { body, fetched, written, refused };
  } finally {
    await resolver.close();
  }
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.log(JSON.stringify({ error: isAssetLinkError(error) ? { code: error.code, message: error.message } : String(error?.stack ?? error) }));
    process.exitCode = 1;
  },
);
