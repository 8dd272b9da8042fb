import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createAssetResolver } from '../../src/index.js';
import { describeProviderContract } from '../contract/provider-contract.js';
import { detectHandleLeaks } from '../helpers/handle-leaks.js';

detectHandleLeaks();

describeProviderContract('file', async () => {
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-contract-')));
  await fs.mkdir(path.join(base, 'rw'));
  await fs.mkdir(path.join(base, 'ro'));
  const resolver = createAssetResolver({
    integrations: [
      { id: 'file-rw', provider: 'file', mode: 'read-write', scope: { root: path.join(base, 'rw') } },
      { id: 'file-ro', provider: 'file', scope: { root: path.join(base, 'ro') } },
    ],
  });
  return {
    resolver,
    readWriteIntegrationId: 'file-rw',
    readOnlyIntegrationId: 'file-ro',
    readWriteUri: (key) => `file://${base}/rw/${key}`,
    readOnlyUri: (key) => `file://${base}/ro/${key}`,
    outOfScopeUri: (key) => `file://${base}/other/${key}`,
    seed: async (uri, body) => {
      const file = uri.slice('file://'.length);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, body);
    },
    close: async () => {
      await resolver.close();
      await fs.rm(base, { recursive: true, force: true });
    },
  };
});
