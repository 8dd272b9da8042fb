import type { Mode } from '../types.js';

/**
 * The session policy passed with every AssumeRole. The resulting credentials can do only what
 * both the customer's role AND this policy allow, so a read-only integration gets credentials
 * that cannot write even when the role could, and no integration can reach outside its
 * bucket/prefix.
 */

export type AwsPartition = 'aws' | 'aws-cn' | 'aws-us-gov';

export interface SessionPolicyScope {
  bucket: string;
  /** Without trailing slash; '' or undefined for the whole bucket. */
  prefix?: string;
  mode: Mode;
  partition?: AwsPartition;
}

export interface SessionPolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string;
  Condition?: { StringLike: { 's3:prefix': string[] } };
}

export interface SessionPolicy { Version: '2012-10-17'; Statement: SessionPolicyStatement[] }

/** AWS caps a session policy at 2048 characters of plain text. */
export const MAX_SESSION_POLICY_LENGTH = 2048;

export const READ_ACTIONS = ['s3:GetObject'] as const;
export const METADATA_ACTIONS = ['s3:GetBucketLocation'] as const;
export const WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'] as const;

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

export function buildSessionPolicy(scope: SessionPolicyScope): SessionPolicy {
  const partition = scope.partition ?? 'aws';
  const bucketArn = `arn:${partition}:s3:::${scope.bucket}`;
  const prefix = (scope.prefix ?? '').replace(/\/+$/, '');
  // Segment-aware: prefix "images" covers "images/…", never "images-old/…".
  const keyPattern = prefix === '' ? '*' : `${escapeIamPattern(prefix)}/*`;
  const statements: SessionPolicyStatement[] = [
    { Sid: 'ReadObjects', Effect: 'Allow', Action: [...READ_ACTIONS], Resource: `${bucketArn}/${keyPattern}` },
    {
      Sid: 'ListScope', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn,
      ...(prefix === '' ? {} : { Condition: { StringLike: { 's3:prefix': [keyPattern] } } }),
    },
    // Region discovery when HeadBucket names no region (S3-compatible servers): reveals the
    // region only. The role policy from the setup generator grants it too (a test keeps them in step).
    { Sid: 'LocateBucket', Effect: 'Allow', Action: [...METADATA_ACTIONS], Resource: bucketArn },
  ];
  if (scope.mode === 'read-write') {
    statements.push({ Sid: 'WriteObjects', Effect: 'Allow', Action: [...WRITE_ACTIONS], Resource: `${bucketArn}/${keyPattern}` });
  }
  return { Version: '2012-10-17', Statement: statements };
}
