import type { AwsPartition, Mode } from '../types.js';
import { parseAccessPointArn, regionOfZone, checkDirectoryBucket, s3BucketKind } from '../uri/aws-names.js';

/**
 * The session policy passed with every AssumeRole. The resulting credentials can do only what
 * both the customer's role AND this policy allow, so a read-only integration gets credentials
 * that cannot write even when the role could, and no integration can reach outside its
 * bucket/prefix.
 */

export type { AwsPartition };

export interface SessionPolicyScope {
  /** A bucket name, an access point ARN, an access point alias or a directory bucket. */
  bucket: string;
  /** Without trailing slash; '' or undefined for the whole bucket. */
  prefix?: string;
  mode: Mode;
  partition?: AwsPartition;
  /** The access point ARN behind an alias bucket (IAM cannot name an access point by its alias). */
  accessPointArn?: string;
  /** The bucket owner, when known: names the account in directory bucket ARNs. */
  accountId?: string;
  /**
   * The customer-managed KMS key objects are encrypted with (SSE-KMS). Read-write sessions get
   * kms:GenerateDataKey + kms:Decrypt on exactly this key (multipart uploads need Decrypt too),
   * read-only sessions kms:Decrypt. Without it the session has no KMS permission at all.
   */
  kmsKeyArn?: string;
}

export interface SessionPolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string;
  Condition?: { StringLike: { 's3:prefix': string[] } } | { StringEquals: { 's3express:SessionMode': string } };
}

export interface SessionPolicy { Version: '2012-10-17'; Statement: SessionPolicyStatement[] }

/** AWS caps a session policy at 2048 characters of plain text. */
export const MAX_SESSION_POLICY_LENGTH = 2048;

/** GetObjectVersion: reads (and heads) of a pinned `versionId` need it on top of GetObject. */
export const READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;
export const METADATA_ACTIONS = ['s3:GetBucketLocation'] as const;
export const WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'] as const;
/** KMS actions S3 calls with the caller's permissions for SSE-KMS objects, by mode. */
export const KMS_READ_ACTIONS = ['kms:Decrypt'] as const;
export const KMS_WRITE_ACTIONS = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;
/** Every data-plane request to a directory bucket is authorised by this one action (session-based auth). */
export const DIRECTORY_ACTIONS = ['s3express:CreateSession'] as const;

/**
 * IAM has no backslash escape: `*` and `?` in a Resource or StringLike value are always wildcards,
 * so a prefix `a*` would cover `abc/…`. IAM's policy variables `${*}`, `${?}` and `${$}` stand for
 * the literal characters, so those are used; `$` itself is escaped so a key containing `${` cannot
 * start a variable.
 */
export function escapeIamPattern(text: string): string {
  return text.replace(/[*?$]/g, (c) => `\${${c}}`);
}

export function partitionForRegion(region: string | undefined): AwsPartition {
  if (region?.startsWith('cn-')) return 'aws-cn';
  if (region?.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The IAM resources a scope names. A general purpose bucket: `arn:P:s3:::B` and its objects
 * `arn:P:s3:::B/KEY`. An access point (by ARN, or an alias with its ARN): the access point
 * `arn:P:s3:R:A:accesspoint/N` and its objects `…/object/KEY` — requests through an access point
 * are authorised against those, never against the bucket's ARN. A directory bucket:
 * `arn:P:s3express:R:A:bucket/B`, which S3 Express authorises as a whole.
 */
export interface S3Resources {
  kind: 'bucket' | 'access-point' | 'directory';
  /** The bucket, access point or directory bucket ARN. */
  container: string;
  /** ARN prefix of objects, without the key: `arn:P:s3:::B/` or `arn:P:s3:R:A:accesspoint/N/object/`. */
  objects: string;
}

export function s3Resources(scope: { bucket: string; partition?: AwsPartition; accessPointArn?: string; accountId?: string }): S3Resources {
  const partition = scope.partition ?? 'aws';
  const kind = s3BucketKind(scope.bucket);
  const apArn = kind === 'access-point' ? scope.bucket : kind === 'alias' ? scope.accessPointArn : undefined;
  if (apArn !== undefined) {
    parseAccessPointArn(apArn);
    return { kind: 'access-point', container: apArn, objects: `${apArn}/object/` };
  }
  if (kind === 'alias') {
    // Without the access point's ARN no IAM resource names it; a policy on the alias would match nothing.
    throw new TypeError(`the access point ARN of alias ${scope.bucket} is required to name it in a policy`);
  }
  if (kind === 'directory') {
    const region = regionOfZone(checkDirectoryBucket(scope.bucket)) ?? '*';
    const arn = `arn:${partition}:s3express:${region}:${scope.accountId ?? '*'}:bucket/${scope.bucket}`;
    return { kind: 'directory', container: arn, objects: `${arn}/` };
  }
  const bucketArn = `arn:${partition}:s3:::${scope.bucket}`;
  return { kind: 'bucket', container: bucketArn, objects: `${bucketArn}/` };
}

export function buildSessionPolicy(scope: SessionPolicyScope): SessionPolicy {
  const resources = s3Resources(scope);
  if (resources.kind === 'directory') {
    // S3 Express authorises per bucket and session mode: read-only integrations get ReadOnly sessions.
    return {
      Version: '2012-10-17',
      Statement: [{
        Sid: 'DirectoryBucketSession', Effect: 'Allow', Action: [...DIRECTORY_ACTIONS], Resource: resources.container,
        ...(scope.mode === 'read-write' ? {} : { Condition: { StringEquals: { 's3express:SessionMode': 'ReadOnly' } } }),
      }],
    };
  }
  const prefix = (scope.prefix ?? '').replace(/\/+$/, '');
  // Segment-aware: prefix "images" covers "images/…", never "images-old/…".
  const keyPattern = prefix === '' ? '*' : `${escapeIamPattern(prefix)}/*`;
  const statements: SessionPolicyStatement[] = [
    { Sid: 'ReadObjects', Effect: 'Allow', Action: [...READ_ACTIONS], Resource: `${resources.objects}${keyPattern}` },
    {
      Sid: 'ListScope', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: resources.container,
      ...(prefix === '' ? {} : { Condition: { StringLike: { 's3:prefix': [keyPattern] } } }),
    },
  ];
  // Region discovery when HeadBucket names no region (S3-compatible servers): reveals the
  // region only. The role policy from the setup generator grants it too (a test keeps them in
  // step). Access points name their region in their ARN, and have no bucket location to ask.
  if (resources.kind === 'bucket') statements.push({ Sid: 'LocateBucket', Effect: 'Allow', Action: [...METADATA_ACTIONS], Resource: resources.container });
  if (scope.mode === 'read-write') {
    statements.push({ Sid: 'WriteObjects', Effect: 'Allow', Action: [...WRITE_ACTIONS], Resource: `${resources.objects}${keyPattern}` });
  }
  if (scope.kmsKeyArn !== undefined) {
    statements.push({ Sid: 'UseKmsKey', Effect: 'Allow', Action: [...(scope.mode === 'read-write' ? KMS_WRITE_ACTIONS : KMS_READ_ACTIONS)], Resource: scope.kmsKeyArn });
  }
  return { Version: '2012-10-17', Statement: statements };
}
