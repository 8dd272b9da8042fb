import type { AssetLinkErrorCode } from '../errors.js';
import type { NormalizedIntegration } from '../integrations/registered.js';
import type { CheckName } from './report.js';
import { awsPartitionOf } from '../integrations/aws-scope.js';
import { s3Resources } from '../auth/session-policy.js';

type AwsConfig = Extract<NormalizedIntegration, { provider: 'aws' }>;
type AzureConfig = Extract<NormalizedIntegration, { provider: 'azure' }>;

/**
 * The IAM resources a hint names, in the integration's partition (arn:aws-cn:…, arn:aws-us-gov:…):
 * the bucket, or the access point and its `/object/` keys; `<bucket>` for a wildcard scope.
 */
function awsHintResources(config: AwsConfig): { container: string; objects: string } {
  const partition = awsPartitionOf(config);
  const bucket = config.scope.bucket === '*' ? '<bucket>' : config.scope.bucket;
  try {
    if (config.scope.bucket !== '*') return s3Resources({ ...config.scope, partition });
  } catch {
    // An alias without its access point ARN: no IAM resource names it; name the alias as given.
  }
  return { container: `arn:${partition}:s3:::${bucket}`, objects: `arn:${partition}:s3:::${bucket}/` };
}

/** `container C of account A`, or `storage account A` for a container-less (account-wide) scope. */
function azureTarget(config: AzureConfig): string {
  return config.scope.container === undefined ? `storage account ${config.scope.account}` : `container ${config.scope.container} of account ${config.scope.account}`;
}

/** One line naming what the customer (or the platform) must change, per provider, check and error. */
export function fixHint(config: NormalizedIntegration, check: CheckName, code: AssetLinkErrorCode | undefined): string {
  const setup = `run \`assetlink setup ${config.id}\` for the exact documents`;
  if (code === 'MISSING_DEPENDENCY') return 'install the provider SDK package named in the error';
  if (code === 'CREDENTIALS_UNAVAILABLE' || code === 'TIMEOUT') return 'the token service could not be reached or timed out: check the platform identity and network path, then retry';
  switch (config.provider) {
    case 'aws':
      if (check === 'credentials') {
        return config.auth.kind === 'assume-role'
          ? `the role's trust policy must allow the platform principal to sts:AssumeRole with condition StringEquals sts:ExternalId = the integration's external ID; ${setup}`
          : `the platform identity's own credentials are missing or invalid; ${setup}`;
      }
      if (check === 'list') return `grant s3:ListBucket on ${awsHintResources(config).container} with condition s3:prefix like "${config.scope.prefix ? `${config.scope.prefix}/*` : '*'}" in the role policy${config.auth.kind === 'cross-account' ? ' and the bucket policy' : ''}; ${setup}`;
      if (check === 'sample-read') return `grant s3:GetObject on ${awsHintResources(config).objects}${config.scope.prefix ? `${config.scope.prefix}/` : ''}*; ${setup}`;
      if (check === 'write-probe') return `grant s3:PutObject and s3:DeleteObject on ${awsHintResources(config).objects}${config.scope.prefix ? `${config.scope.prefix}/` : ''}* (read-write integrations only); ${setup}`;
      if (check === 'read-only-enforced') return 'the credentials can write although the integration is read-only: remove s3:PutObject/s3:DeleteObject from the access key\'s policy, or switch to assume-role so a session policy downscopes it';
      return `add a CORS rule on bucket ${config.scope.bucket} allowing the origin with GET/HEAD${config.mode === 'read-write' ? '/PUT' : ''}; ${setup}`;
    case 'gcp':
      if (check === 'credentials') {
        return config.auth.kind === 'impersonation'
          ? `grant roles/iam.serviceAccountTokenCreator on ${config.auth.serviceAccount} to the platform identity${config.auth.delegates?.length ? ' (and along the delegates chain)' : ''}; ${setup}`
          : 'the service-account key is invalid or disabled: create a new key for the service account';
      }
      if (check === 'write-probe') return `grant roles/storage.objectUser on gs://${config.scope.bucket} to the customer service account; ${setup}`;
      if (check === 'read-only-enforced') return 'the credentials can write although the integration is read-only: grant roles/storage.objectViewer instead of objectUser/objectAdmin';
      if (check === 'cors') return `set a CORS configuration on gs://${config.scope.bucket} allowing the origin; ${setup}`;
      return `grant roles/storage.objectViewer (or a custom role with storage.objects.get and storage.objects.list) on gs://${config.scope.bucket} to the customer service account; ${setup}`;
    case 'azure':
      if (config.auth.kind === 'sas') return azureSasHint(check, config.mode);
      if (config.auth.kind === 'anonymous') return azureAnonymousHint(config, check);
      if (check === 'credentials') {
        return config.auth.kind === 'federated'
          ? `add a federated credential to app ${config.auth.clientId} in tenant ${config.auth.tenantId} whose issuer, subject and audience match the platform's assertion; ${setup}`
          : config.auth.kind === 'client-certificate'
            ? `the certificate of app ${config.auth.clientId} is not registered on the app, or has expired: upload its public certificate (az ad app credential reset --append --cert) and update the integration`
            : `the client secret of app ${config.auth.clientId} is wrong or expired: create a new secret and update the integration`;
      }
      if (check === 'write-probe') return `assign Storage Blob Data Contributor on ${azureTarget(config)} to app ${config.auth.clientId}; ${setup}`;
      if (check === 'read-only-enforced') return 'the credentials can write although the integration is read-only: assign Storage Blob Data Reader instead of Contributor';
      if (check === 'cors') return `add a Blob service CORS rule on account ${config.scope.account} allowing the origin; ${setup}`;
      return `assign Storage Blob Data Reader on ${azureTarget(config)} to app ${config.auth.clientId}; ${setup}`;
    default:
      if (code === 'NOT_FOUND') return 'the sample object or root does not exist: check the path';
      return 'check the integration scope';
  }
}

/** Hints for `auth: { kind: 'anonymous' }`: there is no identity to fix, only the container's public access. */
function azureAnonymousHint(config: AzureConfig, check: string): string {
  const container = config.scope.container ?? '<container>';
  if (check === 'cors') return 'an anonymous caller cannot read the account\'s CORS rules; check them with az storage cors list';
  if (check === 'list') return `listing anonymously needs public access "container": az storage container set-permission --account-name ${config.scope.account} --name ${container} --public-access container (or drop the list check: verify with profile "read-objects")`;
  return `the container must allow anonymous reads: az storage container set-permission --account-name ${config.scope.account} --name ${container} --public-access blob (and the account must allow blob public access)`;
}

/** Hints for `auth: { kind: 'sas' }`: the fix is always a new SAS from the customer. */
function azureSasHint(check: string, mode: string): string {
  if (check === 'read-only-enforced') return 'the SAS grants write permissions although the integration is read-only: ask the customer for a SAS with sp=rl (assetlink never writes with it, but the token itself could)';
  if (check === 'cors') return 'a container SAS cannot read the account\'s CORS rules; check them with az storage cors list';
  if (check === 'credentials') return 'the SAS has expired or lacks a permission: ask the customer for a new container SAS';
  return `ask the customer for a new container SAS with sp=${mode === 'read-write' ? 'rwdl' : 'rl'} that covers the container (a SAS for another container fails here)`;
}
