import type { NormalizedIntegration } from '../integrations/registered.js';
import type { SetupStep } from './types.js';

/**
 * Setup for wildcard integrations (AWS/GCP `bucket: '*'`). The customer grants named buckets, so
 * the generated policies and bindings name a `<bucket>` placeholder — never `arn:aws:s3:::*`, which
 * would grant every bucket of the account — with a note to repeat them per bucket. (Azure scopes
 * without a container are handled in azure.ts: the role is assigned on the storage account.)
 */

export const BUCKET_PLACEHOLDER = '<bucket>';

export function forWildcardSetup(i: NormalizedIntegration): { integration: NormalizedIntegration; notes: string[] } {
  if ((i.provider !== 'aws' && i.provider !== 'gcp') || i.scope.bucket !== '*') return { integration: i, notes: [] };
  return {
    integration: { ...i, scope: { ...i.scope, bucket: BUCKET_PLACEHOLDER } } as NormalizedIntegration,
    notes: [`The integration covers any bucket its ${i.provider === 'aws' ? 'role' : 'service account'} can reach (scope.bucket "*"): apply the bucket steps once per bucket the customer grants, with ${BUCKET_PLACEHOLDER} replaced by the bucket's name. assetlink downscopes the credentials it mints to the one bucket each operation uses.`],
  };
}

/** Marks the steps that name the placeholder. */
export function markBucketPlaceholder(steps: SetupStep[]): SetupStep[] {
  return steps.map((step) => (JSON.stringify(step).includes(BUCKET_PLACEHOLDER)
    ? { ...step, placeholders: [...new Set([...(step.placeholders ?? []), BUCKET_PLACEHOLDER])] }
    : step));
}
