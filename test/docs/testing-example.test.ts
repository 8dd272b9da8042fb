import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestResolver, type TestResolver } from 'assetlink/testing';

let t: TestResolver;
beforeAll(async () => { t = await createTestResolver({ providers: ['aws'] }); });
afterAll(() => t.close());

it('reads a customer asset and writes the label back', async () => {
  await t.cloud.putObject('s3://assetlink-test/in/cat.jpg', 'jpeg bytes', 'image/jpeg');
  const asset = await t.resolver.resolveAsset('s3://assetlink-test/in/cat.jpg');
  expect(new TextDecoder().decode(await asset.bytes())).toBe('jpeg bytes');

  const label = await t.resolver.resolveAsset('s3://assetlink-test/out/cat.json');
  await label.write(JSON.stringify({ label: 'cat' }), { contentType: 'application/json' });
  const stored = await t.cloud.getObject('s3://assetlink-test/out/cat.json');
  expect(new TextDecoder().decode(stored)).toBe('{"label":"cat"}');
});

it('refuses to write through the read-only integration', async () => {
  const asset = await t.resolver.resolveAsset('s3://assetlink-test/in/cat.jpg');
  await expect(asset.write('overwrite')).rejects.toMatchObject({ code: 'READ_ONLY' });
});

it('hands the browser a presigned URL that works, and only for that object', async () => {
  const url = await t.resolver.presign('s3://assetlink-test/in/cat.jpg', 300);
  expect(await (await t.cloud.fetch(url.url)).text()).toBe('jpeg bytes');
  const other = url.url.replace('cat.jpg', 'dog.jpg');
  expect((await t.cloud.fetch(other)).status).toBe(403);
});
