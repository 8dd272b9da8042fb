import { InvalidIntegrationError } from '../errors.js';
import type { AwsPartition, AwsScope } from '../types.js';
import { checkDirectoryBucket, checkS3BucketName, parseAccessPointArn, partitionOfRegion, regionOfZone, s3BucketKind } from '../uri/aws-names.js';
import { FORBIDDEN_CHARACTERS } from '../uri/controls.js';
import { UriProblem } from '../uri/fail.js';

/**
 * What an AWS scope's bucket may be, and which partition an AWS integration belongs to. A bucket
 * in another partition is a different bucket (and an identity of one partition can reach
 * nothing in another), so every integration belongs to exactly one partition and never matches
 * URIs of another.
 */

type Dict = Record<string, unknown>;
const PARTITIONS: readonly AwsPartition[] = ['aws', 'aws-cn', 'aws-us-gov'];
const ROLE_PARTITION = /^arn:(aws|aws-cn|aws-us-gov):/;

function fail(field: string, message: string): never {
  throw new InvalidIntegrationError(field, message);
}

/** `scope.bucket`: a bucket name, an access point ARN, an access point alias or a directory bucket. */
export function awsScopeBucket(scope: Dict): string {
  const bucket = scope.bucket;
  if (typeof bucket !== 'string' || bucket === '') return fail('scope.bucket', 'is required and must be a non-empty string');
  // Refused without echoing: the message would carry the control character into logs.
  if (FORBIDDEN_CHARACTERS.test(bucket)) return fail('scope.bucket', 'must not contain control characters or bidirectional controls');
  try {
    if (bucket.startsWith('arn:')) parseAccessPointArn(bucket);
    else checkS3BucketName(bucket);
  } catch (error) {
    if (error instanceof UriProblem) {
      fail('scope.bucket', `${JSON.stringify(bucket.slice(0, 200))} is not valid: ${error.reason} (a bucket name, an access point ARN arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME, an access point alias or a directory bucket)`);
    }
    throw error;
  }
  return bucket;
}

interface PartitionClaim { partition: AwsPartition; source: string }

/** Every place an integration states or implies its partition. */
function partitionClaims(scope: Dict, auth: unknown): PartitionClaim[] {
  const claims: PartitionClaim[] = [];
  if (typeof scope.partition === 'string' && (PARTITIONS as readonly string[]).includes(scope.partition)) {
    claims.push({ partition: scope.partition as AwsPartition, source: 'scope.partition' });
  }
  const roleArn = (auth as { kind?: unknown; roleArn?: unknown } | undefined)?.roleArn;
  const fromRole = typeof roleArn === 'string' ? ROLE_PARTITION.exec(roleArn)?.[1] : undefined;
  if (fromRole !== undefined) claims.push({ partition: fromRole as AwsPartition, source: 'auth.roleArn' });
  if (typeof scope.region === 'string') {
    const fromRegion = partitionOfRegion(scope.region);
    if (fromRegion !== undefined) claims.push({ partition: fromRegion, source: 'scope.region' });
  }
  for (const field of ['bucket', 'accessPointArn'] as const) {
    const value = scope[field];
    if (typeof value === 'string' && value.startsWith('arn:')) {
      const fromArn = ROLE_PARTITION.exec(value)?.[1];
      if (fromArn !== undefined) claims.push({ partition: fromArn as AwsPartition, source: `scope.${field}` });
    }
  }
  return claims;
}

/**
 * The optional AWS scope fields beyond bucket/prefix/region/accountId, validated against each
 * other: `partition` must agree with the role ARN, the region and any access point ARN;
 * `accessPointArn` belongs to alias buckets; a region must be the access point's; a prefix cannot
 * be enforced on a directory bucket.
 */
export function awsScopeExtras(scope: Dict, bucket: string, auth: unknown): Pick<AwsScope, 'partition' | 'accessPointArn'> {
  const extras: Pick<AwsScope, 'partition' | 'accessPointArn'> = {};
  if (scope.partition !== undefined) {
    if (typeof scope.partition !== 'string' || !(PARTITIONS as readonly string[]).includes(scope.partition)) {
      fail('scope.partition', 'must be "aws", "aws-cn" or "aws-us-gov"');
    }
    extras.partition = scope.partition as AwsPartition;
  }
  if (typeof scope.region === 'string' && partitionOfRegion(scope.region) === undefined) {
    fail('scope.region', `"${scope.region}" belongs to a partition assetlink does not reach (aws, aws-cn and aws-us-gov are supported)`);
  }
  const kind = s3BucketKind(bucket);
  if (scope.accessPointArn !== undefined) {
    if (kind !== 'alias') fail('scope.accessPointArn', 'is only for integrations whose scope.bucket is an access point alias (…-s3alias)');
    const arn = scope.accessPointArn;
    if (typeof arn !== 'string' || FORBIDDEN_CHARACTERS.test(arn)) return fail('scope.accessPointArn', 'must be an access point ARN');
    try {
      parseAccessPointArn(arn);
    } catch (error) {
      if (error instanceof UriProblem) fail('scope.accessPointArn', `${JSON.stringify(arn.slice(0, 200))} is not an access point ARN: ${error.reason}`);
      throw error;
    }
    extras.accessPointArn = arn;
  }
  const authKind = (auth as { kind?: unknown } | undefined)?.kind;
  if (kind === 'alias' && authKind === 'assume-role' && extras.accessPointArn === undefined) {
    fail('scope.accessPointArn', 'is required for an assume-role integration on an access point alias: IAM policies cannot name an access point by its alias, so the session policy that confines the credentials needs the access point ARN (arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME)');
  }
  const arnRegion = kind === 'access-point' ? parseAccessPointArn(bucket).region
    : extras.accessPointArn !== undefined ? parseAccessPointArn(extras.accessPointArn).region : undefined;
  if (arnRegion !== undefined && typeof scope.region === 'string' && scope.region !== arnRegion) {
    fail('scope.region', `"${scope.region}" is not the access point's region (${arnRegion})`);
  }
  const zoneRegion = kind === 'directory' ? regionOfZone(checkDirectoryBucket(bucket)) : undefined;
  if (zoneRegion !== undefined && typeof scope.region === 'string' && scope.region !== zoneRegion) {
    fail('scope.region', `"${scope.region}" is not the region of the directory bucket's zone (${zoneRegion})`);
  }
  if (kind === 'directory' && typeof scope.prefix === 'string' && scope.prefix.replace(/\/+$/, '') !== '') {
    fail('scope.prefix', 'cannot be enforced on a directory bucket: S3 Express grants access per bucket (s3express:CreateSession), so credentials minted for a prefix would reach the whole bucket. Scope the integration to the whole directory bucket, or use a general purpose bucket');
  }
  const claims = partitionClaims(scope, auth);
  const first = claims[0];
  const conflict = claims.find((c) => c.partition !== first?.partition);
  if (first !== undefined && conflict !== undefined) {
    fail(conflict.source === 'scope.partition' ? 'scope.partition' : first.source === 'scope.partition' ? 'scope.partition' : conflict.source,
      `${first.source} is in the ${first.partition} partition but ${conflict.source} is in ${conflict.partition}; an integration lives in one partition`);
  }
  return extras;
}

/** The partition a validated AWS integration states or implies (explicit, role ARN, region, access point ARN), if any. */
export function statedAwsPartition(config: { scope: AwsScope; auth: { kind: string } }): AwsPartition | undefined {
  if (config.scope.partition !== undefined) return config.scope.partition;
  return partitionClaims(config.scope as unknown as Dict, config.auth)[0]?.partition;
}

/** Per validated configuration object: matching and every presign ask, and the answer never changes. */
const partitions = new WeakMap<object, AwsPartition>();

/** The partition of a validated AWS integration: the one it states or implies, else `aws`. */
export function awsPartitionOf(config: { scope: AwsScope; auth: { kind: string } }): AwsPartition {
  let partition = partitions.get(config);
  if (partition === undefined) {
    partition = statedAwsPartition(config) ?? 'aws';
    partitions.set(config, partition);
  }
  return partition;
}
