import { createHash } from 'node:crypto';

/**
 * Cache keys of tenant-bound integrations start with `t=${tenant}|` (RegisteredIntegration.cachePrefix;
 * tenants never contain `|`). The cache reads the tenant back for its audit events and spans, and
 * the Redis store names keys per tenant, so nothing below the resolver needs to be told the tenant.
 */
export function tenantOfCacheKey(key: string): string | undefined {
  if (!key.startsWith('t=')) return undefined;
  const end = key.indexOf('|');
  return end > 2 ? key.slice(2, end) : undefined;
}

/**
 * Where a shared store keeps a tenant's entries: `${keyPrefix}tenant:<hash of tenant>:` (the
 * tenant's name stays out of Redis, like bucket names and ids), or `keyPrefix` without tenant.
 * `redis-cli --scan --pattern "$(tenantKeySpace('assetlink:', 'acme'))*"` lists one tenant's keys.
 */
export function tenantKeySpace(keyPrefix: string, tenant: string | undefined): string {
  if (tenant === undefined) return keyPrefix;
  return `${keyPrefix}tenant:${createHash('sha256').update(tenant).digest('base64url').slice(0, 22)}:`;
}
