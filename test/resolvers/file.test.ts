import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, fetchPresigned, type AssetResolver } from '../../src/index.js';
import { codeOf } from '../helpers/failure.js';
import { detectHandleLeaks } from '../helpers/handle-leaks.js';

detectHandleLeaks();

describe('file provider: nothing escapes the root', () => {
  let base: string;
  let root: string;
  let resolver: AssetResolver;
  beforeAll(async () => {
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-file-')));
    root = path.join(base, 'root');
    await fs.mkdir(path.join(root, 'sub'), { recursive: true });
    await fs.writeFile(path.join(base, 'secret.txt'), 'outside the root');
    await fs.writeFile(path.join(root, 'inside.txt'), 'inside');
    await fs.symlink(path.join(base, 'secret.txt'), path.join(root, 'link-to-secret.txt'));
    await fs.symlink(base, path.join(root, 'link-dir'));
    await fs.symlink(path.join(root, 'inside.txt'), path.join(root, 'link-inside.txt'));
    resolver = createAssetResolver({ integrations: [{ id: 'files', provider: 'file', mode: 'read-write', scope: { root } }] });
  });
  afterAll(async () => { await resolver.close(); await fs.rm(base, { recursive: true, force: true }); });

  it('reads a plain file inside the root', async () => {
    const asset = await resolver.resolveAsset(`file://${root}/inside.txt`);
    expect(new TextDecoder().decode(await asset.bytes())).toBe('inside');
  });

  it('refuses a symlink to a file outside the root', async () => {
    const asset = await resolver.resolveAsset(`file://${root}/link-to-secret.txt`);
    expect(await codeOf(asset.bytes())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.head())).toBe('OUT_OF_SCOPE');
  });

  it('refuses a path through a symlinked directory, for reads and writes', async () => {
    const asset = await resolver.resolveAsset(`file://${root}/link-dir/secret.txt`);
    expect(await codeOf(asset.bytes())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.write('pwned'))).toBe('OUT_OF_SCOPE');
    expect(await fs.readFile(path.join(base, 'secret.txt'), 'utf8')).toBe('outside the root');
  });

  it('refuses even links that point inside the root (links are never followed)', async () => {
    const asset = await resolver.resolveAsset(`file://${root}/link-inside.txt`);
    expect(await codeOf(asset.bytes())).toBe('OUT_OF_SCOPE');
  });

  it('refuses dot segments and paths outside the root before touching the disk', async () => {
    expect(await codeOf(resolver.resolveAsset(`file://${root}/../secret.txt`))).toBe('INVALID_URI');
    expect(await codeOf(resolver.resolveAsset(`file://${root}/%2e%2e/secret.txt`))).toBe('INVALID_URI');
    expect(await codeOf(resolver.resolveAsset(`file://${base}/secret.txt`))).toBe('NO_INTEGRATION');
    expect(await codeOf(resolver.resolveAsset(`file://${base}/secret.txt`, 'files'))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(resolver.resolveAsset(`file://${root}-sibling/x.txt`))).toBe('NO_INTEGRATION');
  });

  it('writes create directories below the root and are atomic', async () => {
    const asset = await resolver.resolveAsset(`file://${root}/new/deep/file.txt`);
    await asset.write('created');
    expect(await fs.readFile(path.join(root, 'new/deep/file.txt'), 'utf8')).toBe('created');
    const leftovers = (await fs.readdir(path.join(root, 'new/deep'))).filter((n) => n.endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  });

  it('presigned file URLs refuse the wrong method and a tampered path', async () => {
    const url = await resolver.presign(`file://${root}/inside.txt`, 60);
    expect((await fetchPresigned(url.url, { method: 'PUT', body: 'x' })).status).toBe(403);
    const otherPath = url.url.replace('inside.txt', 'link-to-secret.txt');
    expect((await fetchPresigned(otherPath)).status).toBe(403);
    expect(await (await fetchPresigned(url.url)).text()).toBe('inside');
  });
});
