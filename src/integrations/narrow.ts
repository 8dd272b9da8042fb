import { RegisteredIntegration, type NormalizedIntegration } from './registered.js';

/**
 * A wildcard integration (AWS/GCP `bucket: '*'`) narrowed to the one bucket an operation uses:
 * the same integration (id, tenant, auth — the very same auth object), with `scope.bucket` set.
 * Credential code written for one-bucket integrations then mints, downscopes and caches per
 * bucket without knowing about wildcards. Memoised per (integration, bucket); the narrowed
 * copies share the integration's cache prefix, so updating or removing it drops theirs too.
 */
const narrowed = new WeakMap<RegisteredIntegration, Map<string, RegisteredIntegration>>();
const MAX_BUCKETS_PER_INTEGRATION = 1024;

export function narrowToBucket<R extends RegisteredIntegration>(reg: R, bucket: string): R {
  if (!reg.wildcard) return reg;
  const config = reg.config;
  if (config.provider !== 'aws' && config.provider !== 'gcp') return reg;
  let buckets = narrowed.get(reg);
  if (!buckets) { buckets = new Map(); narrowed.set(reg, buckets); }
  let one = buckets.get(bucket);
  if (!one) {
    one = new RegisteredIntegration({ ...config, scope: { ...config.scope, bucket } } as NormalizedIntegration);
    if (buckets.size >= MAX_BUCKETS_PER_INTEGRATION) buckets.delete(buckets.keys().next().value as string);
    buckets.set(bucket, one);
  }
  return one as R;
}
