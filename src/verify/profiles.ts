import { InvalidArgumentError } from '../errors.js';
import { matchExplicit } from '../integrations/match.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { ObjectTarget, ProviderDriver } from '../resolvers/driver.js';
import type { AssetLocation } from '../types.js';
import { parseAssetUri, type ParseOptions } from '../uri/index.js';
import type { CheckName, VerifyOptions, VerifyProfile } from './report.js';

/**
 * Verification profiles: which checks must pass for an integration to be `active`.
 *
 * - `full` (default): credentials, listing the scope, the sample read (when a sampleUri is given)
 *   and, for read-write integrations, the write probe. CORS and the read-only probe only warn.
 * - `read-objects`: for customers who grant object reads only (`s3:GetObject`,
 *   `storage.objects.get`, Storage Blob Data Reader on blobs): credentials and a read of the
 *   `sampleUri` (required) decide; listing, CORS and the write probes still run and are reported,
 *   but do not keep the integration `pending`.
 */

export const VERIFY_PROFILES: readonly VerifyProfile[] = ['full', 'read-objects'];

const REQUIRED: Record<VerifyProfile, Record<CheckName, boolean>> = {
  full: { credentials: true, list: true, 'sample-read': true, 'write-probe': true, 'read-only-enforced': false, cors: false },
  'read-objects': { credentials: true, list: false, 'sample-read': true, 'write-probe': false, 'read-only-enforced': false, cors: false },
};

export interface VerifyPlan {
  profile: VerifyProfile;
  required: Record<CheckName, boolean>;
  /**
   * The sample, matched against the integration; for a wildcard integration (any bucket or
   * container) it also names the bucket/container every other check runs in.
   */
  sample?: AssetLocation;
  /** Bucket (AWS/GCP) or container (Azure) to verify in, when the integration's scope names none. */
  bucket?: string;
}

/** Validates the options against the integration; typed errors before any network call. */
export function planVerification(reg: RegisteredIntegration, options: VerifyOptions, parseOptions: ParseOptions): VerifyPlan {
  const profile = options.profile ?? 'full';
  if (!VERIFY_PROFILES.includes(profile)) {
    throw new InvalidArgumentError(`unknown verify profile ${JSON.stringify(String(profile)).slice(0, 80)}: use ${VERIFY_PROFILES.map((p) => `"${p}"`).join(' or ')}`, { integrationId: reg.id });
  }
  if (options.sampleUri === undefined && profile === 'read-objects') {
    throw new InvalidArgumentError(
      `verify profile "read-objects" needs sampleUri: an object the customer says integration "${reg.id}" can read (the profile is active when that read succeeds)`,
      { integrationId: reg.id },
    );
  }
  if (options.sampleUri === undefined && reg.wildcard) {
    throw new InvalidArgumentError(
      `integration "${reg.id}" covers any ${reg.provider === 'azure' ? 'container' : 'bucket'}: pass sampleUri to name the ${reg.provider === 'azure' ? 'container' : 'bucket'} to verify in`,
      { integrationId: reg.id },
    );
  }
  const plan: VerifyPlan = { profile, required: REQUIRED[profile] };
  if (reg.wildcard && options.sampleUri !== undefined) {
    // Every other check runs in the sample's bucket, so the sample must be in scope before anything runs.
    plan.sample = matchExplicit(reg, parseAssetUri(options.sampleUri, parseOptions)).location;
    plan.bucket = plan.sample.bucket;
  }
  return plan;
}

/**
 * The bucket's region (AWS) or location (GCS), when the provider reveals it to the integration's
 * own credentials; undefined otherwise (never an error: it is informational).
 */
export async function locateBucket(driver: ProviderDriver, target: ObjectTarget): Promise<string | undefined> {
  if (!driver.bucketRegion) return undefined;
  try {
    return await driver.bucketRegion(target);
  } catch {
    return undefined;
  }
}
