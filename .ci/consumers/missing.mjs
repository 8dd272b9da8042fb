// No provider SDK installed: the library still loads and runs memory integrations, and adding an
// integration names every package its provider needs, in one MISSING_DEPENDENCY error.
import assert from 'node:assert/strict';
import { createAssetResolver, isAssetLinkError } from 'assetlink';
import { putMemoryObject } from 'assetlink/testing';

const resolver = createAssetResolver({ integrations: [{ id: 'mem', provider: 'memory', scope: { bucket: 'm' } }] });
putMemoryObject('m', 'a.txt', new TextEncoder().encode('memory works'));
assert.equal(new TextDecoder().decode(await (await resolver.resolveAsset('memory://m/a.txt')).bytes()), 'memory works');

const cases = {
  aws: [{ id: 'acme', provider: 'aws', scope: { bucket: 'acme-data' }, auth: { kind: 'assume-role', roleArn: 'arn:aws:iam::123456789012:role/x', externalId: 'ext-0123456789' } },
    ['@aws-sdk/client-s3', '@aws-sdk/client-sts', '@aws-sdk/lib-storage', '@aws-sdk/credential-providers']],
  gcp: [{ id: 'gacme', provider: 'gcp', scope: { bucket: 'acme-data' }, auth: { kind: 'impersonation', serviceAccount: 'r@p.iam.gserviceaccount.com' } },
    ['@google-cloud/storage', 'google-auth-library']],
  azure: [{ id: 'zacme', provider: 'azure', scope: { account: 'acme', container: 'data' }, auth: { kind: 'client-secret', tenantId: 'contoso.onmicrosoft.com', clientId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', clientSecret: 's' } },
    ['@azure/storage-blob', '@azure/identity']],
};
const results = {};
for (const [provider, [integration, packages]] of Object.entries(cases)) {
  let error;
  try { resolver.addIntegration(integration); } catch (e) { error = e; }
  assert.ok(isAssetLinkError(error, 'MISSING_DEPENDENCY'), `${provider}: expected MISSING_DEPENDENCY, got ${error}`);
  for (const name of packages) assert.ok(error.message.includes(`"${name}"`), `${provider}: ${error.message} does not name ${name}`);
  assert.ok(error.message.includes(`npm install ${packages.join(' ')}`), error.message);
  assert.equal(error.integrationId, integration.id);
  results[provider] = packages.length;
}
// The CLI says the same, with its exit code.
console.log(JSON.stringify(results));
