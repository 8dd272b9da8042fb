import { createAssetResolver } from '../../src/index.js';
import { memoryStore, putMemoryObject } from '../../src/resolvers/memory-store.js';
import { describeListingContract } from '../contract/listing-contract.js';

describeListingContract('memory', async () => {
  const bucket = `listing-${Math.random().toString(36).slice(2, 8)}`;
  const resolver = createAssetResolver({ integrations: [{ id: 'mem-list', provider: 'memory', scope: { bucket, prefix: 'images' } }] });
  return {
    resolver,
    integrationId: 'mem-list',
    scope: 'images',
    uri: (key) => `memory://${bucket}/${key}`,
    seed: async (keys) => { for (const key of keys) putMemoryObject(bucket, key, new TextEncoder().encode(`body of ${key}`)); },
    close: async () => { memoryStore(bucket).clear(); await resolver.close(); },
  };
}, { faults: false, astralOrder: true, slashNeighbours: true, nestedFolders: true });
