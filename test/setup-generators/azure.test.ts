import { describe, expect, it } from 'vitest';
import type { AzureCorsRule, AzureFederatedCredential, AzureRoleAssignment } from '../../src/setup/azure.js';
import { generateSetup, type SetupOptions, type SetupPlan } from '../../src/setup/index.js';
import type { AzureIntegration, Mode } from '../../src/types.js';

const TENANT = '11111111-2222-3333-4444-555555555555';
const APP = '66666666-7777-8888-9999-000000000000';
const CLIENT_SECRET = 'CANARY-CLIENT-SECRET-5d2e';
const FEDERATION = { issuer: 'https://oidc.platform.example.com', subject: 'system:serviceaccount:assetlink:resolver' };
const OPTIONS: SetupOptions = { platform: { azure: FEDERATION } };
const ACCOUNT_SCOPE = '/subscriptions/<subscription-id>/resourceGroups/<resource-group>/providers/Microsoft.Storage/storageAccounts/acct1';
const CONTAINER_SCOPE = `${ACCOUNT_SCOPE}/blobServices/default/containers/media`;
const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';

function federated(over: { mode?: Mode; prefix?: string } = {}): AzureIntegration {
  return {
    id: 'acme-az', provider: 'azure', mode: over.mode ?? 'read-only',
    scope: { account: 'acct1', container: 'media', ...(over.prefix !== undefined ? { prefix: over.prefix } : {}) },
    auth: { kind: 'federated', tenantId: TENANT, clientId: APP, assertion: async () => 'jwt' },
  };
}
const clientSecret = (mode: Mode = 'read-only'): AzureIntegration => ({
  id: 'acme-secret', provider: 'azure', mode, scope: { account: 'acct1', container: 'media', prefix: 'in' },
  auth: { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: CLIENT_SECRET },
});

const step = (plan: SetupPlan, id: string) => {
  const found = plan.steps.find((s) => s.id === id);
  if (!found) throw new Error(`no step ${id} in ${plan.steps.map((s) => s.id).join(', ')}`);
  return found;
};

/** The documented two-block condition, written out by hand for the exact comparison. */
const READ_ONLY_CONDITION = `(
 (
  !(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})
 )
 OR
 (
  @Resource[${BLOBS}:path] StringStartsWith 'images/'
 )
)
AND
(
 (
  !(ActionMatches{'${BLOBS}/read'} AND SubOperationMatches{'Blob.List'})
 )
 OR
 (
  @Request[${BLOBS}:prefix] StringStartsWith 'images/'
 )
)`;

const READ_WRITE_CONDITION = `(
 (
  !(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})
  AND
  !(ActionMatches{'${BLOBS}/write'})
  AND
  !(ActionMatches{'${BLOBS}/add/action'})
  AND
  !(ActionMatches{'${BLOBS}/delete'})
  AND
  !(ActionMatches{'${BLOBS}/move/action'})
 )
 OR
 (
  @Resource[${BLOBS}:path] StringStartsWith 'images/'
 )
)
AND
(
 (
  !(ActionMatches{'${BLOBS}/read'} AND SubOperationMatches{'Blob.List'})
 )
 OR
 (
  @Request[${BLOBS}:prefix] StringStartsWith 'images/'
 )
)`;

describe('Azure app credential', () => {
  it('federated: a federated credential with the platform issuer, subject and default audience', () => {
    const plan = generateSetup(federated(), OPTIONS);
    expect(plan.steps.map((s) => s.id)).toEqual(['azure.federated-credential', 'azure.role-assignment', 'azure.delegator']);
    const s = step(plan, 'azure.federated-credential');
    const credential: AzureFederatedCredential = {
      name: 'assetlink-acme-az', issuer: FEDERATION.issuer, subject: FEDERATION.subject,
      audiences: ['api://AzureADTokenExchange'], description: 'assetlink integration acme-az',
    };
    expect(s.document).toEqual(credential);
    expect(s.text).toBe(`az ad app federated-credential create \\\n  --id ${APP} \\\n  --parameters '${JSON.stringify(credential)}'`);
  });

  it('federated: a custom audience, and issuer/subject are required', () => {
    const plan = generateSetup(federated(), { platform: { azure: { ...FEDERATION, audience: 'api://assetlink' } } });
    expect((step(plan, 'azure.federated-credential').document as AzureFederatedCredential).audiences).toEqual(['api://assetlink']);
    expect(() => generateSetup(federated())).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('issuer') }));
    expect(() => generateSetup(federated(), { platform: { azure: { issuer: 'http://insecure.example.com', subject: 's' } } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => generateSetup(federated(), { platform: { azure: { issuer: FEDERATION.issuer, subject: '' } } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('subject') }));
  });

  it('client secret: appended (never resetting other credentials), written to a private file, never echoed', () => {
    const plan = generateSetup(clientSecret());
    const s = step(plan, 'azure.client-secret');
    expect(s.text).toBe([
      '(umask 077 && az ad app credential reset \\',
      `  --id ${APP} \\`,
      '  --append \\',
      '  --display-name assetlink-acme-secret \\',
      '  --years 1 \\',
      '  --query password \\',
      '  --output tsv \\',
      '  > assetlink-client-secret.txt)',
      '# Paste the content of assetlink-client-secret.txt into the platform, then: rm assetlink-client-secret.txt',
    ].join('\n'));
    expect(JSON.stringify(plan)).not.toContain(CLIENT_SECRET);
  });

  it('the platform\'s multi-tenant app: only its service principal is created in the customer tenant', () => {
    const plan = generateSetup(federated(), { platform: { azure: { ...FEDERATION, multiTenantAppId: APP.toUpperCase() } } });
    expect(plan.steps.map((s) => s.id)).toEqual(['azure.service-principal', 'azure.role-assignment', 'azure.delegator']);
    expect(step(plan, 'azure.service-principal').text).toBe(`az ad sp create \\\n  --id ${APP}`);
    // Another app id leaves the normal flow in place.
    const other = generateSetup(federated(), { platform: { azure: { ...FEDERATION, multiTenantAppId: '12345678-1234-1234-1234-123456789012' } } });
    expect(other.steps[0]?.id).toBe('azure.federated-credential');
  });
});

describe('Azure role assignments', () => {
  it('read-only with prefix: Storage Blob Data Reader on the container, with the prefix condition', () => {
    const plan = generateSetup(federated({ prefix: 'images' }), OPTIONS);
    const s = step(plan, 'azure.role-assignment');
    expect(s.document).toEqual({
      assignee: APP, role: 'Storage Blob Data Reader', roleDefinitionId: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
      scope: CONTAINER_SCOPE, condition: READ_ONLY_CONDITION, conditionVersion: '2.0',
    } satisfies AzureRoleAssignment);
    expect(s.text).toBe([
      "ASSETLINK_CONDITION=$(cat <<'ASSETLINK_EOF'",
      READ_ONLY_CONDITION,
      'ASSETLINK_EOF',
      ')',
      'az role assignment create \\',
      `  --assignee ${APP} \\`,
      "  --role 'Storage Blob Data Reader' \\",
      `  --scope '${CONTAINER_SCOPE}' \\`,
      '  --condition "$ASSETLINK_CONDITION" \\',
      '  --condition-version 2.0 \\',
      "  --description 'assetlink integration acme-az'",
    ].join('\n'));
    expect(s.placeholders).toEqual(['<subscription-id>', '<resource-group>']);
    expect(plan.placeholders).toEqual(['<subscription-id>', '<resource-group>']);
  });

  it('read-write with prefix: Storage Blob Data Contributor, condition also covering write, add, delete and move', () => {
    const s = step(generateSetup(federated({ mode: 'read-write', prefix: 'images/' }), OPTIONS), 'azure.role-assignment');
    expect(s.document).toEqual({
      assignee: APP, role: 'Storage Blob Data Contributor', roleDefinitionId: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
      scope: CONTAINER_SCOPE, condition: READ_WRITE_CONDITION, conditionVersion: '2.0',
    });
  });

  it('without prefix: no condition; subscription and resource group from options', () => {
    const plan = generateSetup(federated({ mode: 'read-write' }), { ...OPTIONS, azure: { subscriptionId: 'sub-1', resourceGroup: 'rg-data' } });
    const scope = '/subscriptions/sub-1/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/acct1/blobServices/default/containers/media';
    expect(step(plan, 'azure.role-assignment').document).toEqual({ assignee: APP, role: 'Storage Blob Data Contributor', roleDefinitionId: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe', scope });
    expect(step(plan, 'azure.role-assignment').text).not.toContain('--condition');
    expect(plan.placeholders).toEqual([]);
  });

  it('Storage Blob Delegator at the storage account, for user delegation keys (container scope never grants them)', () => {
    const s = step(generateSetup(federated({ prefix: 'images' }), OPTIONS), 'azure.delegator');
    expect(s.document).toEqual({ assignee: APP, role: 'Storage Blob Delegator', roleDefinitionId: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a', scope: ACCOUNT_SCOPE });
    expect(s.text).toContain(`--scope '${ACCOUNT_SCOPE}'`);
    expect(s.text).not.toContain('--condition');
    expect(s.description).toMatch(/user delegation/);
  });

  it('refuses a prefix with a single quote, which a condition cannot express', () => {
    expect(() => generateSetup(federated({ prefix: "it's" }), OPTIONS)).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION', field: 'scope.prefix' }));
  });

  it('keeps $, *, ? and double quotes literal in the condition (StringStartsWith has no wildcards)', () => {
    const s = step(generateSetup(federated({ prefix: 'a*b?/$x "q"' }), OPTIONS), 'azure.role-assignment');
    expect((s.document as AzureRoleAssignment).condition).toContain(`@Resource[${BLOBS}:path] StringStartsWith 'a*b?/$x "q"/'`);
  });
});

describe('Azure CORS', () => {
  it('read-only and read-write rules as az storage cors add', () => {
    const origins = ['https://app.example.com', 'https://admin.example.com'];
    const ro = step(generateSetup(federated(), { ...OPTIONS, origins }), 'azure.cors');
    expect(ro.document).toEqual({
      allowedOrigins: origins, allowedMethods: ['GET', 'HEAD'], allowedHeaders: ['range'], exposedHeaders: ['etag'], maxAgeInSeconds: 3600,
    } satisfies AzureCorsRule);
    expect(ro.text).toBe([
      'az storage cors add \\',
      '  --account-name acct1 \\',
      '  --services b \\',
      '  --methods GET HEAD \\',
      '  --origins https://app.example.com https://admin.example.com \\',
      '  --allowed-headers range \\',
      '  --exposed-headers etag \\',
      '  --max-age 3600',
    ].join('\n'));
    const rw = step(generateSetup(federated({ mode: 'read-write' }), { ...OPTIONS, origins }), 'azure.cors');
    expect(rw.document).toEqual({
      allowedOrigins: origins, allowedMethods: ['GET', 'HEAD', 'PUT'], allowedHeaders: ['content-type', 'range', 'x-ms-blob-type'], exposedHeaders: ['etag'], maxAgeInSeconds: 3600,
    });
    expect(rw.text).toContain('--methods GET HEAD PUT');
    expect(rw.text).toContain('--allowed-headers content-type range x-ms-blob-type');
  });
});
