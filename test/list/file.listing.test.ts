import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createAssetResolver } from '../../src/index.js';
import { encodeKeyForUrl } from '../../src/uri/index.js';
import { describeListingContract } from '../contract/listing-contract.js';

let base = '';

describeListingContract('file', async () => {
  base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-list-')));
  const root = path.join(base, 'images');
  await fs.mkdir(root);
  const resolver = createAssetResolver({ integrations: [{ id: 'file-list', provider: 'file', scope: { root } }] });
  const baseKey = base.replace(/^\/+/, '');
  return {
    resolver,
    integrationId: 'file-list',
    scope: `${baseKey}/images`,
    uri: (key) => `file:///${encodeKeyForUrl(key)}`,
    seed: async (keys) => {
      for (const key of keys) {
        const file = `/${key}`;
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.writeFile(file, `body of ${key}`);
      }
    },
    close: async () => { await resolver.close(); await fs.rm(base, { recursive: true, force: true }); },
  };
}, { faults: false, astralOrder: true, slashNeighbours: true, nestedFolders: true });

it('never lists or follows symbolic links, nor the temporary files of writes in progress', async () => {
  const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-list-links-')));
  try {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'sub'), { recursive: true });
    await fs.mkdir(path.join(dir, 'elsewhere'));
    await fs.writeFile(path.join(dir, 'elsewhere', 'secret.txt'), 'secret');
    await fs.writeFile(path.join(root, 'sub', 'ok.txt'), 'ok');
    await fs.writeFile(path.join(root, 'sub', '.assetlink-0123456789ab.tmp'), 'half');
    await fs.symlink(path.join(dir, 'elsewhere'), path.join(root, 'link-dir'));
    await fs.symlink(path.join(dir, 'elsewhere', 'secret.txt'), path.join(root, 'link-file.txt'));
    const resolver = createAssetResolver({ integrations: [{ id: 'f', provider: 'file', scope: { root } }] });
    const keys: string[] = [];
    for await (const entry of resolver.list(`file://${root}/`)) keys.push(entry.key);
    expect(keys).toEqual([`${root.slice(1)}/sub/ok.txt`]);
    const shallow: string[] = [];
    for await (const entry of resolver.list(`file://${root}/`, { recursive: false })) shallow.push(entry.key);
    expect(shallow).toEqual([`${root.slice(1)}/sub/`]);
    await expect((async () => { for await (const _ of resolver.list(`file://${root}/link-dir/`)) { /* nothing */ } })()).rejects.toMatchObject({ code: 'OUT_OF_SCOPE' });
    await resolver.close();
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
