import type { AssetLinkErrorCode } from '../errors.js';
import type { Mode, Provider } from '../types.js';

/** The checks `verify` runs, by name. */
export type CheckName = 'credentials' | 'list' | 'sample-read' | 'write-probe' | 'read-only-enforced' | 'cors';
/** How one check ended: `warn` does not block `active`; `skipped` was not applicable. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';
/** Which checks decide `active` (docs/verify.md, "Profiles"). */
export type VerifyProfile = 'full' | 'read-objects';

/** One check of a verification report: its status, whether it is required, and a hint when it failed. */
export interface VerificationCheck {
  name: CheckName;
  status: CheckStatus;
  /** Whether a failure of this check keeps the integration `pending`. */
  required: boolean;
  /** One line: what was checked and what happened. */
  detail: string;
  /** The error code when the check failed. */
  code?: AssetLinkErrorCode;
  /** One line naming the exact policy, role or setting to change. */
  hint?: string;
  durationMs: number;
}

/** What `resolver.verify()` found: the integration is `active` when every required check passed. */
export interface VerificationReport {
  integrationId: string;
  provider: Provider;
  mode: Mode;
  /** `active` only when every required check passed (warnings allowed); else `pending`. */
  status: 'active' | 'pending';
  checks: VerificationCheck[];
  /** Required checks that failed, for a quick "what's wrong". */
  failing: CheckName[];
  checkedAt: Date;
  /** The profile that decided which checks were required. */
  profile: VerifyProfile;
  /** The integration's tenant, when it has one. */
  tenant?: string;
  /** The bucket's AWS region or GCS location, when the provider reveals it to the integration's credentials. */
  region?: string;
}

/** Options of `resolver.verify()` (docs/verify.md). */
export interface VerifyOptions {
  /**
   * `full` (default) or `read-objects`: only credentials and the sample read are required (list
   * and CORS become optional), for setups that grant object reads only. `read-objects` needs `sampleUri`.
   */
  profile?: VerifyProfile;
  /** Key (inside the integration's prefix) for the write probe; default `.assetlink/verify-<random>`. */
  probeKey?: string;
  /** An asset the customer says should be readable (Sama's "test asset URL"). */
  sampleUri?: string;
  /** Browser origin whose presigned-URL requests must pass CORS. */
  origin?: string;
  /** Called as each check finishes, for progress output. */
  onCheck?: (check: VerificationCheck) => void;
}
