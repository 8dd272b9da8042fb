import { DIRECTORY_ACTIONS, escapeIamPattern, READ_ACTIONS, s3Resources, WRITE_ACTIONS, type AwsPartition } from '../auth/session-policy.js';
import { InvalidArgumentError } from '../errors.js';
import { awsPublicReadStep } from './aws-public.js';
import { statedAwsPartition } from '../integrations/aws-scope.js';
import { parseAccessPointArn, s3BucketKind } from '../uri/aws-names.js';
import type { NormalizedIntegration } from '../integrations/registered.js';
import type { Mode } from '../types.js';
import { shellCommand, shellComment } from './shell.js';
import { documentStep, nameFragment, Placeholders, type DraftPlan } from './steps.js';
import type { SetupOptions, SetupStep } from './types.js';
import { awsKmsKeyPolicyStep, awsKmsStatements } from './encryption.js';

/**
 * AWS setup: the role's trust policy (assume-role), the permission policy (role or IAM user), the
 * bucket policy (cross-account) and the bucket's CORS rules.
 *
 * The permission statements use the same actions as the session policy assetlink passes with
 * every AssumeRole (`src/auth/session-policy.ts`), so the role grants exactly what the
 * credentials will ask for: granting less breaks a feature, granting more is never used.
 */

type AwsIntegration = Extract<NormalizedIntegration, { provider: 'aws' }>;

export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Principal?: { AWS: string };
  Action: string[];
  /** Absent only in trust policies, whose resource is the role itself. */
  Resource?: string;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Always 2012-10-17: the `${*}` / `${?}` / `${$}` escapes are policy variables, which older versions treat as literal text. */
export interface IamPolicyDocument { Version: '2012-10-17'; Statement: IamStatement[] }

export interface S3CorsConfiguration {
  CORSRules: Array<{
    ID: string;
    AllowedOrigins: string[];
    AllowedMethods: string[];
    AllowedHeaders: string[];
    ExposeHeaders: string[];
    MaxAgeSeconds: number;
  }>;
}

/** The platform principal a trust or bucket policy may name: an IAM role or user (not a whole account). */
const PRINCIPAL_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(?:role|user)\/[\w+=,.@/-]{1,512}$/;

const partitionOfArn = (arn: string): AwsPartition => arn.split(':')[1] as AwsPartition;

/**
 * Statements for the bucket (or access point, or directory bucket) and prefix. `principal` turns
 * them into resource-policy statements (bucket policy, access point policy).
 */
export function awsPermissionStatements(
  scope: { bucket: string; prefix?: string; accessPointArn?: string; accountId?: string },
  mode: Mode,
  partition: AwsPartition,
  principal?: string,
): IamStatement[] {
  const resources = s3Resources({ ...scope, partition });
  const who = principal ? { Principal: { AWS: principal } } : {};
  if (resources.kind === 'directory') {
    // S3 Express authorises every object request of a directory bucket through CreateSession, per
    // bucket: no prefix can be granted, and read-only integrations are held to ReadOnly sessions.
    return [{
      Sid: 'AssetlinkDirectorySession', Effect: 'Allow', ...who, Action: [...DIRECTORY_ACTIONS], Resource: resources.container,
      ...(mode === 'read-write' ? {} : { Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } } }),
    }];
  }
  // Segment-aware like assetlink's own scope check: prefix "images" covers "images/…", never
  // "images-old/…". `*`, `?` and `$` in the prefix are escaped so they stay literal.
  const prefix = scope.prefix ? escapeIamPattern(scope.prefix) : '';
  const objects = prefix ? `${resources.objects}${prefix}/*` : `${resources.objects}*`;
  const statements: IamStatement[] = [];
  if (resources.kind === 'bucket') {
    // Region discovery. Kept apart from ListBucket: GetBucketLocation carries no s3:prefix, so
    // the prefix condition below would refuse it. (Access points name their region in their ARN.)
    statements.push({ Sid: 'AssetlinkBucketLocation', Effect: 'Allow', ...who, Action: ['s3:GetBucketLocation'], Resource: resources.container });
  }
  statements.push(
    {
      Sid: 'AssetlinkList', Effect: 'Allow', ...who, Action: ['s3:ListBucket'], Resource: resources.container,
      // Listing `prefix/` itself and anything below it; listing the bucket root or `prefix` without
      // the slash (which would show `prefix-old/…` names) is refused.
      ...(prefix ? { Condition: { StringLike: { 's3:prefix': [`${prefix}/`, `${prefix}/*`] } } } : {}),
    },
    { Sid: 'AssetlinkReadObjects', Effect: 'Allow', ...who, Action: [...READ_ACTIONS], Resource: objects },
  );
  if (mode === 'read-write') {
    // PutObject covers single and multipart uploads (Create/UploadPart/Complete); Abort and
    // ListParts let a failed multipart upload be cleaned up and resumed.
    statements.push({ Sid: 'AssetlinkWriteObjects', Effect: 'Allow', ...who, Action: [...WRITE_ACTIONS], Resource: objects });
  }
  return statements;
}

/**
 * The bucket-policy statement that delegates access control to the access points of the access
 * point's owner account (AWS's documented pattern, narrowed to the actions assetlink uses): with
 * it, the access point's own policy and the caller's IAM policy decide.
 */
export function awsAccessPointDelegation(bucketName: string, accessPointAccount: string, mode: Mode, partition: AwsPartition): { Version: '2012-10-17'; Statement: Array<Record<string, unknown>> } {
  const bucketArn = `arn:${partition}:s3:::${bucketName}`;
  const objectActions = mode === 'read-write' ? [...READ_ACTIONS, ...WRITE_ACTIONS] : [...READ_ACTIONS];
  const condition = { StringEquals: { 's3:DataAccessPointAccount': accessPointAccount } };
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AssetlinkDelegateListToAccessPoints', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['s3:ListBucket'], Resource: bucketArn, Condition: condition },
      { Sid: 'AssetlinkDelegateObjectsToAccessPoints', Effect: 'Allow', Principal: { AWS: '*' }, Action: objectActions, Resource: `${bucketArn}/*`, Condition: condition },
    ],
  };
}

/**
 * The role's trust policy: the platform principal, with the integration's ExternalId.
 * `previousExternalId` opens a rotation window: the role accepts the new and the previous
 * ExternalId (`sts:ExternalId` with both values: StringEquals matches any of them).
 */
export function awsTrustPolicy(platformArn: string, externalId: string, previousExternalId?: string): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'AssetlinkAssumeRole',
      Effect: 'Allow',
      Principal: { AWS: platformArn },
      Action: ['sts:AssumeRole'],
      // The ExternalId the platform generated for this integration: without it the platform
      // cannot be tricked into assuming this role for another of its customers (confused deputy).
      Condition: { StringEquals: { 'sts:ExternalId': previousExternalId === undefined ? externalId : [externalId, previousExternalId] } },
    }],
  };
}

export function awsCors(integrationId: string, origins: string[], mode: Mode, maxAgeSeconds: number): S3CorsConfiguration {
  return {
    CORSRules: [{
      ID: `assetlink-${nameFragment(integrationId)}`.slice(0, 255),
      AllowedOrigins: origins,
      AllowedMethods: mode === 'read-write' ? ['GET', 'HEAD', 'PUT'] : ['GET', 'HEAD'],
      // Range for partial reads; Content-Type is what a presigned PUT binds into its signature.
      AllowedHeaders: mode === 'read-write' ? ['content-type', 'range'] : ['range'],
      ExposeHeaders: ['ETag'],
      MaxAgeSeconds: maxAgeSeconds,
    }],
  };
}

/** `role/path/name` → name and path (`/path/`), for `aws iam` commands. */
function roleNameAndPath(roleArn: string): { name: string; path: string } {
  const resource = roleArn.slice(roleArn.indexOf(':role/') + ':role/'.length);
  const parts = resource.split('/');
  const name = parts.pop() ?? resource;
  return { name, path: parts.length ? `/${parts.join('/')}/` : '/' };
}

function resolvePartition(i: AwsIntegration, platformArn: string | undefined): AwsPartition {
  // Validation already refused an integration whose partition, role ARN, region and access point disagree.
  const own = statedAwsPartition(i);
  const platform = platformArn ? partitionOfArn(platformArn) : undefined;
  if (own && platform && own !== platform) {
    throw new InvalidArgumentError(
      `options.platform.aws.principalArn is in the ${platform} partition but integration "${i.id}" is in ${own}; IAM cannot trust or grant a principal of another partition`,
      { integrationId: i.id },
    );
  }
  return own ?? platform ?? 'aws';
}

/** The access point ARN an integration goes through (its bucket, or the ARN behind its alias). */
function accessPointOf(i: AwsIntegration): string | undefined {
  const kind = s3BucketKind(i.scope.bucket);
  if (kind === 'access-point') return i.scope.bucket;
  if (kind !== 'alias') return undefined;
  if (i.scope.accessPointArn === undefined) {
    throw new InvalidArgumentError(`integration "${i.id}" names an access point alias: set scope.accessPointArn so the policies can name the access point (IAM cannot name it by its alias)`, { integrationId: i.id });
  }
  return i.scope.accessPointArn;
}

const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/** `options.aws.previousExternalId`, checked: assume-role only, valid, different from the new one. */
function rotationOf(i: AwsIntegration, options: SetupOptions): string | undefined {
  const previous = options.aws?.previousExternalId;
  if (previous === undefined) return undefined;
  if (i.auth.kind !== 'assume-role') {
    throw new InvalidArgumentError(`options.aws.previousExternalId applies to assume-role integrations only; "${i.id}" is ${i.auth.kind}`, { integrationId: i.id });
  }
  // Never echo the value: customers treat ExternalIds as shared secrets.
  if (typeof previous !== 'string' || !EXTERNAL_ID.test(previous)) {
    throw new InvalidArgumentError('options.aws.previousExternalId is not a valid ExternalId (2–1224 characters of letters, digits and + = , . @ : / -)', { integrationId: i.id });
  }
  if (previous === i.auth.externalId) {
    throw new InvalidArgumentError(`options.aws.previousExternalId equals the integration's auth.externalId: pass the integration with its new ExternalId and the old one as previousExternalId`, { integrationId: i.id });
  }
  return previous;
}

function platformPrincipal(i: AwsIntegration, options: SetupOptions): string | undefined {
  if (i.auth.kind === 'access-key' || i.auth.kind === 'anonymous') return undefined;
  const arn = options.platform?.aws?.principalArn;
  if (typeof arn !== 'string' || arn === '') {
    throw new InvalidArgumentError(`options.platform.aws.principalArn is required for ${i.auth.kind} integration "${i.id}": it is the identity the customer's ${i.auth.kind === 'assume-role' ? 'role trusts' : 'bucket policy grants'}`, { integrationId: i.id });
  }
  if (!PRINCIPAL_ARN.test(arn)) {
    throw new InvalidArgumentError('options.platform.aws.principalArn must be an IAM role or user ARN such as "arn:aws:iam::111122223333:role/assetlink-platform" (a whole account is not trusted)', { integrationId: i.id });
  }
  return arn;
}

/** The access point's own policy, granting `principal` (the platform, or a role of another account). */
function accessPointPolicyStep(accessPoint: string, i: AwsIntegration, partition: AwsPartition, principal: string, access: string, where: string): SetupStep {
  const ap = parseAccessPointArn(accessPoint);
  return documentStep({
    id: 'aws.access-point-policy',
    title: `Access point policy of ${ap.name}`,
    description: `Grants ${principal} ${access} under ${where} through the access point. put-access-point-policy REPLACES the access point's whole policy: `
      + `if it already has one (aws s3control get-access-point-policy --account-id ${ap.accountId} --name ${ap.name}), add these statements to its Statement array instead.`,
    kind: 'bucket-policy',
    document: { Version: '2012-10-17', Statement: awsPermissionStatements(i.scope, i.mode, partition, principal) } satisfies IamPolicyDocument,
    fileName: 'access-point-policy.json',
    apply: shellCommand(['aws', 's3control', 'put-access-point-policy'], [], [['--account-id', ap.accountId], ['--name', ap.name], ['--policy', 'file://access-point-policy.json'], ['--region', ap.region]]),
  });
}

export function awsSetup(i: AwsIntegration, options: SetupOptions, origins: string[], maxAgeSeconds: number): DraftPlan {
  const platformArn = platformPrincipal(i, options);
  const partition = resolvePartition(i, platformArn);
  const accessPoint = accessPointOf(i);
  const ph = new Placeholders();
  // CORS and the access point delegation live on the bucket behind an access point, which its ARN does not name.
  const corsBucket = accessPoint === undefined ? i.scope.bucket : ph.valueOr(undefined, '<bucket-behind-the-access-point>');
  const policyName = `assetlink-${nameFragment(i.id)}`.slice(0, 128);
  const region = i.scope.region;
  // The aws CLI picks the partition's IAM and S3 endpoints from the region; outside the
  // commercial partition it must be told.
  const iamRegion: Array<readonly [string, string]> = partition !== 'aws' && region ? [['--region', region]] : [];
  const s3Region: Array<readonly [string, string]> = region ? [['--region', region]] : [];
  const permissions = { Version: '2012-10-17', Statement: [...awsPermissionStatements(i.scope, i.mode, partition), ...awsKmsStatements(i)] } satisfies IamPolicyDocument;
  const where = `s3://${i.scope.bucket}/${i.scope.prefix ? `${i.scope.prefix}/` : ''}`;
  const access = i.mode === 'read-write' ? 'read, list, write and delete' : 'read and list';
  const steps: SetupStep[] = [];
  const notes: string[] = [];

  const previousExternalId = rotationOf(i, options);
  if (i.auth.kind === 'assume-role') {
    const { name, path } = roleNameAndPath(i.auth.roleArn);
    const duration = i.auth.durationSeconds;
    const longSessions = duration !== undefined && duration > 3600;
    const create = shellCommand(['aws', 'iam', 'create-role'], [], [
      ['--role-name', name],
      ...(path !== '/' ? [['--path', path] as const] : []),
      ['--assume-role-policy-document', 'file://trust-policy.json'],
      ...(longSessions ? [['--max-session-duration', String(duration)] as const] : []),
      ...iamRegion,
    ]);
    const existing = [
      shellComment('If the role already exists, replace its trust policy instead:'),
      shellComment(shellCommand(['aws', 'iam', 'update-assume-role-policy'], [], [['--role-name', name], ['--policy-document', 'file://trust-policy.json'], ...iamRegion], { oneLine: true })),
      ...(longSessions ? [shellComment(shellCommand(['aws', 'iam', 'update-role'], [], [['--role-name', name], ['--max-session-duration', String(duration)], ...iamRegion], { oneLine: true }))] : []),
    ];
    steps.push(documentStep({
      id: 'aws.trust-policy',
      title: `Trust policy of role ${name}`,
      description: `Lets the platform (${platformArn}) assume the role, but only when it presents this integration's ExternalId.`
        + (previousExternalId !== undefined ? ' ExternalId rotation: the previous ExternalId is accepted too, until the platform has switched to the new one; then apply this policy again without it.' : '')
        + (longSessions ? ` The role's maximum session duration must be at least ${duration} seconds (auth.durationSeconds).` : ''),
      kind: 'trust-policy',
      document: awsTrustPolicy(platformArn as string, i.auth.externalId, previousExternalId),
      fileName: 'trust-policy.json',
      apply: `${create}\n${existing.join('\n')}`,
    }));
    steps.push(documentStep({
      id: 'aws.role-policy',
      title: `Permission policy of role ${name}`,
      description: `Allows ${access} under ${where} and nothing else. An inline policy named ${policyName}.`,
      kind: 'iam-policy',
      document: permissions,
      fileName: 'permissions-policy.json',
      apply: shellCommand(['aws', 'iam', 'put-role-policy'], [], [['--role-name', name], ['--policy-name', policyName], ['--policy-document', 'file://permissions-policy.json'], ...iamRegion]),
    }));
  } else if (i.auth.kind === 'cross-account' && accessPoint !== undefined) {
    steps.push(accessPointPolicyStep(accessPoint, i, partition, platformArn as string, access, where));
    notes.push('Cross-account access needs both sides: the platform\'s own IAM policy must also allow these actions on the access point (that is the platform\'s side, not the customer\'s).');
  } else if (i.auth.kind === 'cross-account') {
    steps.push(documentStep({
      id: 'aws.bucket-policy',
      title: `Bucket policy of ${i.scope.bucket}`,
      description: `Grants the platform (${platformArn}) ${access} under ${where}. put-bucket-policy REPLACES the bucket's whole policy: `
        + `if the bucket already has one (aws s3api get-bucket-policy --bucket ${i.scope.bucket}), add these statements to its Statement array instead.`,
      kind: 'bucket-policy',
      document: { Version: '2012-10-17', Statement: awsPermissionStatements(i.scope, i.mode, partition, platformArn) } satisfies IamPolicyDocument,
      fileName: 'bucket-policy.json',
      apply: shellCommand(['aws', 's3api', 'put-bucket-policy'], [], [['--bucket', i.scope.bucket], ['--policy', 'file://bucket-policy.json'], ...s3Region]),
    }));
    notes.push('Cross-account access needs both sides: the platform\'s own IAM policy must also allow these actions on the bucket (that is the platform\'s side, not the customer\'s).');
    if (i.mode === 'read-write') notes.push('Objects the platform writes are owned by the bucket owner when the bucket\'s Object Ownership is "Bucket owner enforced" (the default for new buckets); with ACLs enabled they would belong to the platform\'s account.');
  } else if (i.auth.kind === 'anonymous') {
    steps.push(awsPublicReadStep(i.scope.bucket, i.scope.prefix, partition, s3Region));
    notes.push('Anonymous integrations are read-only and send unsigned requests: assetlink never falls back to the platform identity when the bucket is private.');
  } else {
    const userName = ph.valueOr(options.aws?.userName, '<iam-user-name>');
    steps.push(documentStep({
      id: 'aws.user-policy',
      title: 'Permission policy of the IAM user that owns the access key',
      description: `Allows ${access} under ${where} and nothing else. An inline policy named ${policyName} on the user whose access key the integration holds.`,
      kind: 'iam-policy',
      document: permissions,
      fileName: 'permissions-policy.json',
      apply: shellCommand(['aws', 'iam', 'put-user-policy'], [], [['--user-name', userName], ['--policy-name', policyName], ['--policy-document', 'file://permissions-policy.json'], ...iamRegion]),
      ...(userName.startsWith('<') ? { placeholders: [userName] } : {}),
    }));
    notes.push('Access keys are long-lived secrets; prefer an assume-role integration. The key is never part of this setup and is never printed.');
  }

  if (accessPoint !== undefined) {
    const ap = parseAccessPointArn(accessPoint);
    if (i.auth.kind === 'assume-role' && i.auth.roleArn.split(':')[4] !== ap.accountId) {
      steps.push(accessPointPolicyStep(accessPoint, i, partition, i.auth.roleArn, access, where));
    }
    steps.push(documentStep({
      id: 'aws.bucket-delegation',
      title: 'Bucket policy delegating to the access point',
      description: `Lets the access points of account ${ap.accountId} decide access to the bucket behind ${ap.name} (${access}); the bucket owner applies it once. `
        + 'Skip it if the bucket policy already delegates to access points (a statement with "s3:DataAccessPointAccount"); put-bucket-policy REPLACES the whole policy, so otherwise add these statements to it.',
      kind: 'bucket-policy',
      document: awsAccessPointDelegation(corsBucket, ap.accountId, i.mode, partition),
      fileName: 'bucket-delegation-policy.json',
      apply: shellCommand(['aws', 's3api', 'put-bucket-policy'], [], [['--bucket', corsBucket], ['--policy', 'file://bucket-delegation-policy.json'], ['--region', ap.region]]),
      placeholders: [corsBucket],
    }));
    notes.push(`Requests go through access point ${ap.name} (${accessPoint}): every policy names the access point (…:accesspoint/${ap.name}/object/…), not the bucket, as S3 authorises them.`);
  }

  if (origins.length > 0) {
    steps.push(documentStep({
      id: 'aws.cors',
      title: `CORS rules of ${corsBucket}`,
      description: `Lets ${origins.join(', ')} use presigned ${i.mode === 'read-write' ? 'GET and PUT' : 'GET'} URLs from the browser. `
        + `put-bucket-cors REPLACES the bucket's CORS configuration: if it has rules already (aws s3api get-bucket-cors --bucket ${corsBucket}), add this rule to them.`,
      kind: 'cors',
      document: awsCors(i.id, origins, i.mode, maxAgeSeconds),
      fileName: 'cors.json',
      apply: shellCommand(['aws', 's3api', 'put-bucket-cors'], [], [['--bucket', corsBucket], ['--cors-configuration', 'file://cors.json'], ...s3Region]),
      ...(accessPoint !== undefined ? { placeholders: [corsBucket] } : {}),
    }));
  }

  if (i.auth.kind === 'assume-role' && i.scope.accountId && i.scope.accountId !== i.auth.roleArn.split(':')[4]) {
    notes.push(`The bucket belongs to account ${i.scope.accountId} but the role to account ${i.auth.roleArn.split(':')[4]}: the bucket's own policy must also grant the role these actions (the same statements with "Principal": {"AWS": "${i.auth.roleArn}"}).`);
  }
  if (previousExternalId !== undefined) {
    notes.push('ExternalId rotation: (1) the customer applies this trust policy, which accepts the previous and the new ExternalId; '
      + '(2) the platform switches the integration to the new ExternalId (updateIntegration) and verifies it; '
      + '(3) the platform generates this setup again without previousExternalId and the customer applies the trust policy once more, so the previous ExternalId stops working.');
  }
  if (partition !== 'aws') notes.push(`ARNs use the ${partition} partition (arn:${partition}:…), as the bucket lives there.`);
  if (i.scope.prefix && /[*?$]/.test(i.scope.prefix)) {
    notes.push('The prefix contains * ? or $; in the policies they are written ${*} ${?} ${$} (IAM policy variables for the literal characters, valid with "Version": "2012-10-17").');
  }
  const keyUser = i.auth.kind === 'assume-role' ? i.auth.roleArn : platformArn;
  if (i.encryption?.kind === 'aws:kms' && keyUser !== undefined) steps.push(...awsKmsKeyPolicyStep(i, keyUser));
  else if (i.encryption?.kind !== 'aws:kms') {
    notes.push('If the bucket is encrypted with a customer-managed KMS key (SSE-KMS), also allow kms:Decrypt'
      + (i.mode === 'read-write' ? ' and kms:GenerateDataKey' : '') + ' on that key; set the integration\'s encryption ({ kind: \'aws:kms\', keyId }) to have the statements generated and writes encrypted with it.');
  }

  return { integrationId: i.id, provider: 'aws', mode: i.mode, authKind: i.auth.kind, steps, alternatives: [], notes };
}
