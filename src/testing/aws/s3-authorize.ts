import { evaluatePolicies, evaluateResourcePolicy, type AuthorizationRequest, type Decision, type ResourcePolicyDocument } from './iam-policy.js';
import type { AwsKeyEntry } from './keyring.js';
import { isAnonymous } from './s3-anonymous.js';
import { partitionOf } from './s3-access-points.js';
import type { S3Target } from './s3-request.js';

/**
 * IAM evaluation for one S3 permission, on exactly the key that will be served:
 * - any explicit Deny (identity, session, bucket policy, access point policy) wins;
 * - direct bucket access: the identity policies must allow; a caller from another account also
 *   needs the bucket policy to allow (same-account grants that exist only in a bucket policy are
 *   not modelled: the fake is stricter there, never looser);
 * - through an access point: see s3-access-points.ts.
 */

export type Context = Record<string, string | undefined>;

const objectResource = (base: string, key: string | undefined, accessPoint: boolean): string =>
  key === undefined ? base : accessPoint ? `${base}/object/${key}` : `${base}/${key}`;

/** The ARN one permission is asked on. */
export function resourceArn(target: S3Target, key: string | undefined): string {
  if (target.accessPoint) return objectResource(target.accessPoint.arn, key, true);
  return objectResource(`arn:${partitionOf(target.bucket.region)}:s3:::${target.bucket.name}`, key, false);
}

const resourceDecision = (policy: ResourcePolicyDocument | undefined, caller: AwsKeyEntry, request: AuthorizationRequest): Decision =>
  (policy ? evaluateResourcePolicy(policy, { accountId: caller.accountId, principalArn: caller.principalArn }, request) : 'implicit-deny');

export function authorize(caller: AwsKeyEntry, target: S3Target, action: string, key: string | undefined, context: Context): boolean {
  const { bucket, accessPoint } = target;
  const bucketRequest: AuthorizationRequest = {
    action,
    resource: resourceArn({ bucket }, key),
    context: {
      ...context, 's3:ResourceAccount': bucket.owner,
      ...(accessPoint ? { 's3:DataAccessPointAccount': accessPoint.accountId, 's3:DataAccessPointArn': accessPoint.arn, 's3:AccessPointNetworkOrigin': 'Internet' } : {}),
    },
  };
  const bucketPolicy = resourceDecision(bucket.spec.policy, caller, bucketRequest);
  if (bucketPolicy === 'explicit-deny') return false;
  // Anonymous: only a bucket policy statement for Principal "*" can allow (s3-anonymous.ts).
  if (isAnonymous(caller)) return !accessPoint && bucketPolicy === 'allow';

  if (!accessPoint) {
    const identity = evaluatePolicies(caller.policies, bucketRequest);
    if (identity !== 'allow') return false;
    return caller.accountId === bucket.owner || bucketPolicy === 'allow';
  }

  const pointRequest: AuthorizationRequest = { action, resource: resourceArn(target, key), context: bucketRequest.context ?? {} };
  const identity = evaluatePolicies(caller.policies, pointRequest);
  const pointPolicy = resourceDecision(accessPoint.policy, caller, pointRequest);
  if (identity !== 'allow' || pointPolicy === 'explicit-deny') return false;
  // Within the access point's account the identity policies decide; another account also needs the access point policy.
  if (caller.accountId !== accessPoint.accountId && pointPolicy !== 'allow') return false;
  return bucketPolicy === 'allow' || (caller.accountId === bucket.owner && evaluatePolicies(caller.policies, bucketRequest) === 'allow');
}
