import type { NormalizedIntegration } from '../integrations/registered.js';
import { KMS_READ_ACTIONS, KMS_WRITE_ACTIONS } from '../auth/session-policy.js';
import { shellCommand } from './shell.js';
import { documentStep, Placeholders } from './steps.js';
import type { SetupStep } from './types.js';
import type { IamStatement } from './aws.js';

/**
 * Setup for an integration's `encryption`: the KMS permissions on the customer's key (AWS role
 * policy statement + key policy statement), the Cloud KMS grant for the GCS service agent, and
 * the Azure encryption scope. Kept in step with what assetlink mints (KMS_*_ACTIONS).
 */

type Aws = Extract<NormalizedIntegration, { provider: 'aws' }>;
type Gcp = Extract<NormalizedIntegration, { provider: 'gcp' }>;
type Azure = Extract<NormalizedIntegration, { provider: 'azure' }>;

const kmsActions = (mode: string): string[] => [...(mode === 'read-write' ? KMS_WRITE_ACTIONS : KMS_READ_ACTIONS)];

/** The KMS key resource a policy can name: the key ARN, else a placeholder (an alias names no IAM resource). */
function keyResource(keyId: string): string {
  return keyId.startsWith('arn:') && keyId.includes(':key/') ? keyId : '<kms-key-arn>';
}

/** The statement the role (or, in a key policy, `principal`) needs on the key. Empty without SSE-KMS. */
export function awsKmsStatements(i: Aws, principal?: string): IamStatement[] {
  if (i.encryption?.kind !== 'aws:kms') return [];
  return [{
    Sid: 'AssetlinkUseKmsKey', Effect: 'Allow', ...(principal ? { Principal: { AWS: principal } } : {}),
    // In a key policy the resource is always "*": the key the policy is attached to.
    Action: kmsActions(i.mode), Resource: principal ? '*' : keyResource(i.encryption.keyId),
  }];
}

/** The key policy statement that lets `principal` use the key through S3 only (needed for a principal of another account, and wherever the key policy does not delegate to IAM). */
export function awsKmsKeyPolicyStep(i: Aws, principal: string): SetupStep[] {
  if (i.encryption?.kind !== 'aws:kms') return [];
  const ph = new Placeholders();
  const keyId = i.encryption.keyId;
  const region = /^arn:[^:]+:kms:([^:]+):/.exec(keyId)?.[1] ?? i.scope.region;
  const statement = {
    ...awsKmsStatements(i, principal)[0]!,
    ...(region ? { Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } } : {}),
  };
  const keyArg = ph.valueOr(keyId.startsWith('arn:') ? keyId : undefined, '<kms-key-arn>');
  return [documentStep({
    id: 'aws.kms-key-policy',
    title: 'KMS key policy statement',
    description: `Lets ${principal} use the SSE-KMS key only through S3 (${kmsActions(i.mode).join(', ')}). `
      + 'Add this statement to the key policy\'s Statement array (put-key-policy REPLACES the whole policy: read it with get-key-policy first and merge).',
    kind: 'iam-policy',
    document: { Version: '2012-10-17', Statement: [statement] },
    fileName: 'kms-key-policy-statement.json',
    apply: shellCommand(['aws', 'kms', 'get-key-policy'], [], [['--key-id', keyArg], ['--policy-name', 'default'], ['--query', 'Policy'], ['--output', 'text']]),
    ...(ph.list().length ? { placeholders: ph.list() } : {}),
  })];
}

/** gcloud: the bucket project's Cloud Storage service agent may encrypt/decrypt with the CMEK key. */
export function gcpKmsSteps(i: Gcp): SetupStep[] {
  if (!i.encryption) return [];
  const ph = new Placeholders();
  const [, project, , location, , ring, , key] = i.encryption.kmsKeyName.split('/');
  const agent = `serviceAccount:service-${ph.valueOr(undefined, '<bucket-project-number>')}@gs-project-accounts.iam.gserviceaccount.com`;
  return [{
    id: 'gcp.kms-key',
    title: 'Cloud KMS key for CMEK writes',
    description: `Cloud Storage encrypts objects with ${i.encryption.kmsKeyName} on behalf of the writer: the bucket project's Cloud Storage service agent needs Encrypter/Decrypter on the key (the integration's service account needs nothing on it).`,
    kind: 'command',
    document: { key: i.encryption.kmsKeyName, member: agent, role: 'roles/cloudkms.cryptoKeyEncrypterDecrypter' },
    text: shellCommand(['gcloud', 'kms', 'keys', 'add-iam-policy-binding'], [key ?? ''], [
      ['--keyring', ring ?? ''], ['--location', location ?? ''], ['--project', project ?? ''], ['--member', agent], ['--role', 'roles/cloudkms.cryptoKeyEncrypterDecrypter'],
    ], { equals: true }),
    placeholders: ph.list(),
  }];
}

/** az: the encryption scope, and the container's default scope so writes that name none use it too. */
export function azureEncryptionSteps(i: Azure, resourceGroup?: string): SetupStep[] {
  if (!i.encryption) return [];
  const ph = new Placeholders();
  const account = i.scope.account;
  const group = ph.valueOr(resourceGroup, '<resource-group>');
  const container = i.scope.container;
  const create = shellCommand(['az', 'storage', 'account', 'encryption-scope', 'create'], [], [
    ['--account-name', account], ['--resource-group', group], ['--name', i.encryption.scope], ['--key-source', 'Microsoft.Storage'],
  ]);
  const defaults = container === undefined ? [] : [shellCommand(['az', 'storage', 'container-rm', 'update'], [], [
    ['--storage-account', account], ['--resource-group', group], ['--name', container], ['--default-encryption-scope', i.encryption.scope], ['--deny-encryption-scope-override', 'true'],
  ])];
  return [{
    id: 'azure.encryption-scope',
    title: `Encryption scope ${i.encryption.scope}`,
    description: 'Creates the encryption scope every write of this integration names (x-ms-encryption-scope); use --key-source Microsoft.KeyVault --key-uri <key> for a customer-managed key. '
      + (container !== undefined ? `Making it the default of ${container} with overrides denied also covers uploads that name no scope.` : ''),
    kind: 'command',
    document: { account, scope: i.encryption.scope, ...(container !== undefined ? { container } : {}) },
    text: [create, ...defaults].join('\n'),
    ...(ph.list().length ? { placeholders: ph.list() } : {}),
  }];
}
