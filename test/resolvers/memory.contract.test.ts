import { createAssetResolver } from '../../src/index.js';
import { putMemoryObject } from '../../src/resolvers/memory-store.js';
import { describeProviderContract } from '../contract/provider-contract.js';
import { detectHandleLeaks } from '../helpers/handle-leaks.js';

detectHandleLeaks();

describeProviderContract('memory', async () => {
  const resolver = createAssetResolver({
    integrations: [
      { id: 'mem-rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'contract', prefix: 'rw' } },
      { id: 'mem-ro', provider: 'memory', scope: { bucket: 'contract', prefix: 'ro' } },
    ],
  });
  return {
    resolver,
    readWriteIntegrationId: 'mem-rw',
    readOnlyIntegrationId: 'mem-ro',
    readWriteUri: (key) => `memory://contract/rw/${key}`,
    readOnlyUri: (key) => `memory://contract/ro/${key}`,
    outOfScopeUri: (key) => `memory://contract/elsewhere/${key}`,
    seed: async (uri, body, contentType) => {
      const [, bucket, key] = /^memory:\/\/([^/]+)\/(.+)$/.exec(uri)!;
      putMemoryObject(bucket!, key!, body, contentType);
    },
    close: () => resolver.close(),
  };
});
