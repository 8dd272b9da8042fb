import { createAssetResolver } from '../../src/index.js';
import { startAzureTestEnvironment } from '../../src/testing/azure/environment.js';
import { describeProviderContract } from '../contract/provider-contract.js';

const TENANT = '3c1a9e2f-5b7d-4e60-9f8a-1b2c3d4e5f60';
const APP = '6d5c4b3a-2f1e-4d0c-8b9a-7e6f5d4c3b2a';
const ACCOUNT = 'contractacct';
const CONTAINER = 'contract';
const base = `https://${ACCOUNT}.blob.core.windows.net/${CONTAINER}`;

describeProviderContract('azure (Azurite over HTTPS + fake Entra, federated credential)', async () => {
  const env = await startAzureTestEnvironment({ accounts: [ACCOUNT], containers: [`${ACCOUNT}/${CONTAINER}`] });
  env.entra.addApp({ tenantId: TENANT, clientId: APP, federated: [{ issuer: env.issuer.issuer, subject: 'contract-suite' }] });
  const auth = { kind: 'federated', tenantId: TENANT, clientId: APP, assertion: async () => env.issuer.mint({ subject: 'contract-suite' }) } as const;
  const resolver = createAssetResolver({
    platform: { azure: env.platform },
    integrations: [
      { id: 'az-rw', provider: 'azure', mode: 'read-write', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'rw' }, auth },
      { id: 'az-ro', provider: 'azure', scope: { account: ACCOUNT, container: CONTAINER, prefix: 'ro' }, auth },
    ],
  });
  return {
    resolver,
    readWriteIntegrationId: 'az-rw',
    readOnlyIntegrationId: 'az-ro',
    readWriteUri: (key) => `${base}/rw/${key}`,
    readOnlyUri: (key) => `${base}/ro/${key}`,
    outOfScopeUri: (key) => `${base}/elsewhere/${key}`,
    seed: async (uri, body, contentType) => {
      const key = decodeURIComponent(uri.slice(base.length + 1));
      await env.azurite.putBlob(CONTAINER, key, body, { account: ACCOUNT, ...(contentType ? { contentType } : {}) });
    },
    fetch: env.fetch,
    close: async () => {
      await resolver.close();
      await env.close();
    },
  };
});
