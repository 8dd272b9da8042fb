import { randomBytes } from 'node:crypto';
import { validateResourcePolicyDocument, type ResourcePolicyDocument } from './iam-policy.js';
import type { BucketState } from './s3-store.js';

/**
 * S3 access points on general purpose buckets, addressed by their alias (path-style
 * `/ALIAS/key`, the form that works against an endpoint override). A request through an access
 * point is authorised against the access point's ARN (`…:accesspoint/NAME/object/KEY`, or
 * `…:accesspoint/NAME` for listing), and both the access point and the bucket must permit it:
 * - the caller's identity policies must allow it on the access point ARN;
 * - a caller from another account also needs the access point policy to allow it;
 * - the bucket must allow it through its policy (typically the standard delegation
 *   `"StringEquals": { "s3:DataAccessPointAccount": "ACCOUNT" }`) or, for callers in the bucket
 *   owner's account, through their identity policies on the bucket ARN;
 * - an explicit Deny in any of these policies refuses it.
 */

/** Options of `createAccessPoint`. */
export interface FakeAccessPointOptions {
  /** Access point name (3–50 lower-case letters, digits and hyphens). */
  name: string;
  /** The bucket it points at. */
  bucket: string;
  /** Account that owns the access point. Default: the bucket owner. */
  accountId?: string;
  /** Default: the bucket's region (an access point lives in its bucket's region). */
  region?: string;
  /** Access point policy, evaluated together with the bucket policy. */
  policy?: ResourcePolicyDocument;
}

/** An access point as `createAccessPoint` made it. */
export interface FakeAccessPoint {
  name: string;
  /** `arn:aws:s3:REGION:ACCOUNT:accesspoint/NAME`. */
  arn: string;
  /** `NAME-<34 random lowercase alphanumerics>-s3alias`, usable wherever a bucket name is. */
  alias: string;
}

export interface AccessPointState extends FakeAccessPoint {
  bucket: BucketState;
  accountId: string;
  region: string;
  policy?: ResourcePolicyDocument;
}

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** An alias shaped like S3's: name prefix (trimmed so the alias stays a valid 63-character bucket name), 34 random characters, `-s3alias`. */
export function accessPointAlias(name: string): string {
  let random = '';
  for (const byte of randomBytes(34)) random += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  const prefix = name.slice(0, 63 - '-s3alias'.length - 35).replace(/-+$/, '');
  return `${prefix}-${random}-s3alias`;
}

export const partitionOf = (region: string): string => (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');

export class AccessPointRegistry {
  readonly #byAlias = new Map<string, AccessPointState>();
  readonly #byArn = new Map<string, AccessPointState>();

  create(options: FakeAccessPointOptions, bucket: BucketState): AccessPointState {
    if (!/^[a-z0-9](?:[a-z0-9-]{1,48})[a-z0-9]$/.test(options.name) || options.name.endsWith('-s3alias')) {
      throw new Error(`invalid access point name ${options.name}: 3–50 lowercase letters, digits and hyphens, not ending in -s3alias`);
    }
    const accountId = options.accountId ?? bucket.owner;
    const region = options.region ?? bucket.region;
    if (region !== bucket.region) throw new Error(`access point ${options.name} must be in its bucket's region ${bucket.region}`);
    const arn = `arn:${partitionOf(region)}:s3:${region}:${accountId}:accesspoint/${options.name}`;
    if (this.#byArn.has(arn)) throw new Error(`access point ${arn} already exists`);
    if (options.policy) validateResourcePolicyDocument(options.policy);
    const state: AccessPointState = {
      name: options.name, arn, alias: accessPointAlias(options.name), bucket, accountId, region,
      ...(options.policy ? { policy: options.policy } : {}),
    };
    this.#byAlias.set(state.alias, state);
    this.#byArn.set(arn, state);
    return state;
  }

  byAlias(alias: string): AccessPointState | undefined {
    return this.#byAlias.get(alias);
  }
}
