import { InvalidArgumentError, InvalidIntegrationError } from '../errors.js';
import type { NormalizedIntegration } from '../integrations/registered.js';
import type { Mode } from '../types.js';
import { heredocVariable, shellComment, shellCommand, type ShellFlag } from './shell.js';
import { nameFragment, Placeholders, type DraftPlan } from './steps.js';
import { azureEncryptionSteps } from './encryption.js';
import type { SetupOptions, SetupStep } from './types.js';
import { azureSasSetup } from './azure-sas.js';
import { azurePublicSetup } from './azure-public.js';
import { certificateStep } from './azure-certificate.js';

/**
 * Azure setup as `az` commands: the app registration's credential (federated credential, client
 * secret, or the service principal of the platform's multi-tenant app), the data role on the
 * container (with an ABAC condition for the prefix), Storage Blob Delegator on the account for
 * user delegation SAS, and CORS.
 */

type AzureIntegration = Extract<NormalizedIntegration, { provider: 'azure' }>;
/** An Azure integration that signs in as an app registration (every kind but `sas` and `anonymous`). */
type AppIntegration = AzureIntegration & { auth: Exclude<AzureIntegration['auth'], { kind: 'sas' } | { kind: 'anonymous' }> };

export const AZURE_ROLES = {
  reader: { name: 'Storage Blob Data Reader', id: '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1' },
  contributor: { name: 'Storage Blob Data Contributor', id: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe' },
  delegator: { name: 'Storage Blob Delegator', id: 'db58b8e5-c6ad-4a2a-8342-4190687cbf4a' },
} as const;

export const DEFAULT_FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';

export interface AzureRoleAssignment {
  assignee: string;
  role: string;
  roleDefinitionId: string;
  scope: string;
  condition?: string;
  conditionVersion?: '2.0';
}

export interface AzureFederatedCredential { name: string; issuer: string; subject: string; audiences: string[]; description: string }

export interface AzureCorsRule { allowedOrigins: string[]; allowedMethods: string[]; allowedHeaders: string[]; exposedHeaders: string[]; maxAgeInSeconds: number }

const BLOBS = 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs';

/**
 * ABAC condition limiting the role assignment to `prefix/`, in the documented two-block form:
 * blob operations (read, and for Contributor write/add/delete/move) must name a blob path under
 * the prefix; List Blobs, which has no blob path, must ask for a prefix under it. Segment-aware:
 * both tests end in `/`. StringStartsWith takes no wildcards, so `*` and `?` stay literal.
 */
export function azurePrefixCondition(prefix: string, mode: Mode): string {
  const value = `'${prefix}/'`;
  const blobActions = [`!(ActionMatches{'${BLOBS}/read'} AND NOT SubOperationMatches{'Blob.List'})`];
  if (mode === 'read-write') {
    blobActions.push(
      `!(ActionMatches{'${BLOBS}/write'})`,
      `!(ActionMatches{'${BLOBS}/add/action'})`,
      `!(ActionMatches{'${BLOBS}/delete'})`,
      `!(ActionMatches{'${BLOBS}/move/action'})`,
    );
  }
  // Laid out as Azure's documentation and portal write conditions: one block per targeted action set.
  const block = (actions: string[], expression: string): string[] => [
    '(', ' (', ...actions.map((a, n) => `${n ? '  AND\n' : ''}  ${a}`), ' )', ' OR', ' (', `  ${expression}`, ' )', ')',
  ];
  return [
    ...block(blobActions, `@Resource[${BLOBS}:path] StringStartsWith ${value}`),
    'AND',
    ...block([`!(ActionMatches{'${BLOBS}/read'} AND SubOperationMatches{'Blob.List'})`], `@Request[${BLOBS}:prefix] StringStartsWith ${value}`),
  ].join('\n');
}

export function azureCors(origins: string[], mode: Mode, maxAgeSeconds: number): AzureCorsRule {
  return {
    allowedOrigins: origins,
    allowedMethods: mode === 'read-write' ? ['GET', 'HEAD', 'PUT'] : ['GET', 'HEAD'],
    // A presigned PUT must send x-ms-blob-type (and the Content-Type it was signed for).
    allowedHeaders: mode === 'read-write' ? ['content-type', 'range', 'x-ms-blob-type'] : ['range'],
    exposedHeaders: ['etag'],
    maxAgeInSeconds: maxAgeSeconds,
  };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function platformFederation(i: AzureIntegration, options: SetupOptions): { issuer: string; subject: string; audience: string } {
  const azure = options.platform?.azure;
  const need = (field: string, hint: string): never => {
    throw new InvalidArgumentError(`options.platform.azure.${field} ${hint} (federated integration "${i.id}": the customer's app trusts tokens with this ${field})`, { integrationId: i.id });
  };
  const issuer = azure?.issuer;
  if (typeof issuer !== 'string' || issuer === '') return need('issuer', 'is required');
  let url: URL | undefined;
  try { url = new URL(issuer); } catch { /* reported below */ }
  if (!url || url.protocol !== 'https:') need('issuer', 'must be an https URL');
  const subject = azure?.subject;
  if (typeof subject !== 'string' || subject === '' || subject.length > 600) return need('subject', 'is required (1–600 characters)');
  const audience = azure?.audience ?? DEFAULT_FEDERATED_AUDIENCE;
  if (typeof audience !== 'string' || audience === '' || audience.length > 600) need('audience', 'must be a non-empty string');
  return { issuer, subject, audience };
}

function identityStep(i: AppIntegration, options: SetupOptions): SetupStep {
  const appId = i.auth.clientId;
  const credentialName = `assetlink-${nameFragment(i.id)}`.slice(0, 120);
  const multiTenant = options.platform?.azure?.multiTenantAppId;
  if (multiTenant !== undefined && !(typeof multiTenant === 'string' && GUID.test(multiTenant))) {
    throw new InvalidArgumentError('options.platform.azure.multiTenantAppId must be an application (client) ID, a GUID', { integrationId: i.id });
  }
  if (multiTenant !== undefined && multiTenant.toLowerCase() === appId.toLowerCase()) {
    return {
      id: 'azure.service-principal',
      title: 'Add the platform\'s application to your tenant',
      description: `Creates the service principal of the platform's multi-tenant app ${appId} in tenant ${i.auth.tenantId} (admin consent does the same). The app's credentials stay with the platform; nothing secret is created here.`,
      kind: 'command',
      document: { appId },
      text: shellCommand(['az', 'ad', 'sp', 'create'], [], [['--id', appId]]),
    };
  }
  if (i.auth.kind === 'client-certificate') return certificateStep(appId, credentialName);
  if (i.auth.kind === 'federated') {
    const { issuer, subject, audience } = platformFederation(i, options);
    const credential: AzureFederatedCredential = {
      name: credentialName,
      issuer,
      subject,
      audiences: [audience],
      description: `assetlink integration ${i.id}`.slice(0, 600),
    };
    return {
      id: 'azure.federated-credential',
      title: `Federated credential on app ${appId}`,
      description: 'Lets the app registration accept the platform\'s OIDC tokens (issuer, subject and audience must match exactly) instead of a secret. No secret is created or stored.',
      kind: 'command',
      document: credential,
      text: shellCommand(['az', 'ad', 'app', 'federated-credential', 'create'], [], [['--id', appId], ['--parameters', JSON.stringify(credential)]]),
    };
  }
  const secretFile = 'assetlink-client-secret.txt';
  const reset = shellCommand(['az', 'ad', 'app', 'credential', 'reset'], [], [
    ['--id', appId],
    // Without --append, reset deletes every other credential of the app.
    ['--append'],
    ['--display-name', credentialName],
    ['--years', '1'],
    ['--query', 'password'],
    ['--output', 'tsv'],
  ]);
  return {
    id: 'azure.client-secret',
    title: `Client secret for app ${appId}`,
    description: 'Adds a client secret (keeping the app\'s other credentials). The secret is written to a file only you can read, never to the terminal: '
      + 'paste it into the platform\'s secret field, then delete the file. Skip this step if the secret was created already. Prefer a federated credential where the platform supports one.',
    kind: 'command',
    document: { appId, displayName: credentialName, years: 1, append: true },
    text: [
      `(umask 077 && ${reset} \\\n  > ${secretFile})`,
      shellComment(`Paste the content of ${secretFile} into the platform, then: rm ${secretFile}`),
    ].join('\n'),
  };
}

function roleAssignmentCommand(a: AzureRoleAssignment, description: string): string {
  const flags: ShellFlag[] = [['--assignee', a.assignee], ['--role', a.role], ['--scope', a.scope]];
  if (a.condition) flags.push(['--condition', { raw: '"$ASSETLINK_CONDITION"' }], ['--condition-version', '2.0']);
  flags.push(['--description', description]);
  const command = shellCommand(['az', 'role', 'assignment', 'create'], [], flags);
  // The condition is full of single quotes; a quoted here-document keeps it readable and literal.
  return a.condition ? `${heredocVariable('ASSETLINK_CONDITION', a.condition)}\n${command}` : command;
}

export function azureSetup(input: AzureIntegration, options: SetupOptions, origins: string[], maxAgeSeconds: number): DraftPlan {
  if (input.auth.kind === 'sas') return azureSasSetup({ ...input, auth: input.auth }, options, origins, maxAgeSeconds);
  if (input.auth.kind === 'anonymous') return azurePublicSetup({ ...input, auth: input.auth }, options, origins, maxAgeSeconds);
  const i = input as AppIntegration;
  const { account, container, prefix } = i.scope;
  if (prefix?.includes("'")) {
    // Role-assignment conditions quote strings with ' and document no escape for it.
    throw new InvalidIntegrationError('scope.prefix', 'contains a single quote, which an Azure role-assignment condition cannot express; the prefix-scoped role assignment must be written by hand (or use a prefix without \')', { integrationId: i.id });
  }
  // No container (a tenant-bound wildcard): the customer grants the whole storage account.
  const where = `${account}/${container ?? '*'}/${prefix ? `${prefix}/` : ''}`;
  const steps: SetupStep[] = [identityStep(i, options)];
  const notes: string[] = [];

  const ph = new Placeholders();
  const subscription = ph.valueOr(options.azure?.subscriptionId, '<subscription-id>');
  const resourceGroup = ph.valueOr(options.azure?.resourceGroup, '<resource-group>');
  const accountScope = `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Storage/storageAccounts/${account}`;
  const containerScope = container === undefined ? accountScope : `${accountScope}/blobServices/default/containers/${container}`;
  const role = i.mode === 'read-write' ? AZURE_ROLES.contributor : AZURE_ROLES.reader;
  const assignment: AzureRoleAssignment = {
    assignee: i.auth.clientId,
    role: role.name,
    roleDefinitionId: role.id,
    scope: containerScope,
    ...(prefix ? { condition: azurePrefixCondition(prefix, i.mode), conditionVersion: '2.0' as const } : {}),
  };
  const placeholders = ph.list();
  steps.push({
    id: 'azure.role-assignment',
    title: container === undefined ? `Assign ${role.name} on storage account ${account}` : `Assign ${role.name} on container ${container}`,
    description: `Lets the app ${i.mode === 'read-write' ? 'read, list, write and delete' : 'read and list'} blobs under ${where}. `
      + (prefix
        ? 'The condition limits blob operations to paths under the prefix and listings to prefixes under it (listing has no blob path, so it needs its own clause).'
        : 'The assignment covers the whole container because the integration has no prefix.'),
    kind: 'command',
    document: assignment,
    text: roleAssignmentCommand(assignment, `assetlink integration ${i.id}`),
    ...(placeholders.length ? { placeholders } : {}),
  });

  // Both data roles list generateUserDelegationKey, but Get User Delegation Key is an operation on
  // the storage account: a container-scoped assignment never grants it. Storage Blob Delegator
  // at account scope grants only that action; the SAS it signs still carries no more than the
  // container-scoped role (and its condition) allows.
  const delegator: AzureRoleAssignment = { assignee: i.auth.clientId, role: AZURE_ROLES.delegator.name, roleDefinitionId: AZURE_ROLES.delegator.id, scope: accountScope };
  steps.push({
    id: 'azure.delegator',
    title: `Assign ${AZURE_ROLES.delegator.name} on storage account ${account}`,
    description: 'Needed for every operation and every presigned URL (each carries a user delegation SAS that assetlink signs with this key): the user delegation key is requested from the storage account, so the permission must be assigned at the account, not the container. This role grants nothing but that key; blob access still comes only from the container assignment.',
    kind: 'command',
    document: delegator,
    text: roleAssignmentCommand(delegator, `assetlink integration ${i.id}: user delegation keys`),
    ...(placeholders.length ? { placeholders } : {}),
  });

  if (origins.length > 0) {
    const cors = azureCors(origins, i.mode, maxAgeSeconds);
    steps.push({
      id: 'azure.cors',
      title: `CORS rule for the blob service of ${account}`,
      description: `Lets ${origins.join(', ')} use presigned ${i.mode === 'read-write' ? 'GET and PUT' : 'GET'} URLs from the browser. `
        + 'Blob CORS rules apply to the whole storage account (at most five rules); this adds one and keeps the others.',
      kind: 'cors',
      document: cors,
      text: shellCommand(['az', 'storage', 'cors', 'add'], [], [
        ['--account-name', account],
        ['--services', 'b'],
        ['--methods', cors.allowedMethods],
        ['--origins', cors.allowedOrigins],
        ['--allowed-headers', cors.allowedHeaders],
        ['--exposed-headers', cors.exposedHeaders],
        ['--max-age', String(cors.maxAgeInSeconds)],
      ]),
    });
  }

  if (steps[0]?.id !== 'azure.service-principal') {
    notes.push(`The role assignments need the app's service principal in your tenant. An app registered in the portal has one; one created with az ad app create does not yet: run az ad sp create --id ${i.auth.clientId} first.`);
  }
  if (i.mode === 'read-write') {
    notes.push(`${AZURE_ROLES.contributor.name} also allows changing or deleting the container itself through Azure Resource Manager; if that is unacceptable, assign a custom role with only the blob data actions (read, write, add, delete) instead, with the same condition.`);
  }
  if (placeholders.length) notes.push(`Replace ${placeholders.join(' and ')} with the storage account's subscription and resource group (az storage account show --name ${account} --query id).`);

  steps.push(...azureEncryptionSteps(i, options.azure?.resourceGroup));
  return { integrationId: i.id, provider: 'azure', mode: i.mode, authKind: i.auth.kind, steps, alternatives: [], notes };
}
