import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AssetLinkError, createAssetResolver, fetchPresigned, parseAssetUri } from '../src/index.js';
import { putMemoryObject } from '../src/testing/index.js';

/** parse → match → resolve → read → write refused on read-only → presign, with no cloud at all. */
export async function runCoreDemo(log: (line: string) => void): Promise<void> {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-demo-')));
  await fs.writeFile(path.join(dir, 'label-me.json'), JSON.stringify({ task: 'bounding boxes' }));
  putMemoryObject('customer-a', 'images/cat.jpg', new TextEncoder().encode('<jpeg bytes of a cat>'), 'image/jpeg');

  const events: string[] = [];
  const resolver = createAssetResolver({
    integrations: [
      { id: 'customer-a-images', provider: 'memory', scope: { bucket: 'customer-a', prefix: 'images' } },
      { id: 'customer-a-results', provider: 'memory', mode: 'read-write', scope: { bucket: 'customer-a', prefix: 'results' } },
      { id: 'local-tasks', provider: 'file', scope: { root: dir } },
    ],
    onEvent: (event) => events.push(event.type),
  });
  try {
    for (const uri of ['s3://customer-bucket/images/cat.jpg', 'https://customer-bucket.s3.eu-west-1.amazonaws.com/images/cat%20two.jpg', 'az://media/a.png', 'memory://customer-a/images/cat.jpg']) {
      const loc = parseAssetUri(uri);
      log(`parse   ${uri}\n        → provider=${loc.provider} bucket=${loc.bucket} key=${JSON.stringify(loc.key)}${loc.region ? ` region=${loc.region}` : ''} canonical=${loc.uri}`);
    }
    const match = resolver.match('memory://customer-a/images/cat.jpg');
    log(`match   memory://customer-a/images/cat.jpg → ${match.integration.id} (${match.integration.mode}): ${match.reason}`);

    const cat = await resolver.resolveAsset('memory://customer-a/images/cat.jpg');
    const head = await cat.head();
    log(`read    ${cat.location.uri}: ${head.size} bytes, ${head.contentType}, "${new TextDecoder().decode(await cat.bytes())}"`);

    try {
      await cat.write('overwrite attempt');
    } catch (error) {
      if (!(error instanceof AssetLinkError)) throw error;
      log(`write   refused as expected: ${error.code} — ${error.message}`);
    }

    const result = await resolver.resolveAsset('memory://customer-a/results/cat.json');
    await result.write(JSON.stringify({ label: 'cat', box: [10, 20, 110, 140] }), { contentType: 'application/json' });
    log(`write   ${result.location.uri} via read-write integration "${result.integrationId}"`);

    const url = await resolver.presign('memory://customer-a/images/cat.jpg', 300);
    const response = await fetchPresigned(url.url);
    log(`presign GET expires ${url.expiresAt.toISOString()}; fetched back: ${response.status} "${await response.text()}"`);

    const task = await resolver.resolveAsset(`file://${dir}/label-me.json`);
    log(`file    ${task.location.uri}: ${new TextDecoder().decode(await task.bytes())}`);
    try {
      await resolver.resolveAsset('memory://customer-a/secrets/keys.txt', 'customer-a-images');
    } catch (error) {
      if (!(error instanceof AssetLinkError)) throw error;
      log(`scope   refused as expected: ${error.code} — ${error.message}`);
    }
    log(`audit   events: ${events.join(', ')}`);
  } finally {
    await resolver.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
