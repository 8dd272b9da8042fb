import type { AssetLocation, Provider } from '../types.js';
import type { RegisteredIntegration } from './registered.js';

/**
 * Bucket-level grouping key: matching only ever looks at integrations of the URI's bucket/container.
 * Wildcard integrations (any bucket, any container) sit in their provider's `*` group.
 */
function groupOf(reg: RegisteredIntegration): string {
  const config = reg.config;
  switch (config.provider) {
    case 'aws': case 'gcp': case 'memory': return `${config.provider}|${config.scope.bucket}`;
    case 'azure': return `azure|${config.scope.container ?? '*'}`;
    case 'https': case 'file': return `${config.provider}|*`;
  }
}

function groupOfLocation(loc: AssetLocation): string {
  return loc.provider === 'https' || loc.provider === 'file' ? `${loc.provider}|*` : `${loc.provider}|${loc.bucket}`;
}

/** Integrations grouped for matching, plus per-provider counts (for "no aws integration is registered"). */
class Index {
  readonly groups = new Map<string, RegisteredIntegration[]>();
  readonly perProvider = new Map<string, number>();
  readonly byId = new Map<string, RegisteredIntegration>();

  add(reg: RegisteredIntegration, group: string): void {
    const list = this.groups.get(group);
    if (list) list.push(reg); else this.groups.set(group, [reg]);
    this.perProvider.set(reg.provider, (this.perProvider.get(reg.provider) ?? 0) + 1);
    this.byId.set(reg.id, reg);
  }

  remove(reg: RegisteredIntegration, group: string): void {
    const list = this.groups.get(group)!.filter((r) => r !== reg);
    if (list.length) this.groups.set(group, list); else this.groups.delete(group);
    this.perProvider.set(reg.provider, this.perProvider.get(reg.provider)! - 1);
    this.byId.delete(reg.id);
  }

  get empty(): boolean { return this.byId.size === 0; }
}

const NONE: readonly RegisteredIntegration[] = Object.freeze([]);

/**
 * Registered integrations by id, and grouped for matching so that matching a URI among 100k
 * integrations costs a few map lookups plus a scan of that bucket's few integrations:
 * - integrations without a tenant in one index (what root calls match against);
 * - each tenant's integrations in an index of their own (what that tenant's view matches
 *   against), wildcards in its provider's `*` group — so a wildcard is one extra lookup, never a
 *   scan of all integrations, and is never seen outside its tenant.
 * Ids are unique across tenants.
 */
export class IntegrationRegistry {
  readonly #byId = new Map<string, RegisteredIntegration>();
  readonly #shared = new Index();
  readonly #tenants = new Map<string, Index>();
  /** How many tenant-bound (non-wildcard) integrations each group has: root hints only. */
  readonly #tenantBound = new Map<string, number>();
  /** Bumped on every change: lets derived views (the endpoints URLs parse against) recompute lazily. */
  #version = 0;
  get version(): number { return this.#version; }

  /** Adds or replaces; returns the integration it replaced (now retired), if any. */
  set(reg: RegisteredIntegration): RegisteredIntegration | undefined {
    this.#version++;
    const replaced = this.#remove(reg.id);
    this.#byId.set(reg.id, reg);
    const group = groupOf(reg);
    if (reg.tenant === undefined) {
      this.#shared.add(reg, group);
    } else {
      let index = this.#tenants.get(reg.tenant);
      if (!index) { index = new Index(); this.#tenants.set(reg.tenant, index); }
      index.add(reg, group);
      this.#tenantBound.set(group, (this.#tenantBound.get(group) ?? 0) + 1);
    }
    return replaced;
  }

  /** Removes (and retires) the integration; returns it, or undefined when there was none. */
  delete(id: string): RegisteredIntegration | undefined {
    return this.#remove(id);
  }

  #remove(id: string): RegisteredIntegration | undefined {
    const existing = this.#byId.get(id);
    if (!existing) return undefined;
    this.#version++;
    this.#byId.delete(id);
    const group = groupOf(existing);
    if (existing.tenant === undefined) {
      this.#shared.remove(existing, group);
    } else {
      const index = this.#tenants.get(existing.tenant)!;
      index.remove(existing, group);
      if (index.empty) this.#tenants.delete(existing.tenant);
      const left = this.#tenantBound.get(group)! - 1;
      if (left > 0) this.#tenantBound.set(group, left); else this.#tenantBound.delete(group);
    }
    existing.retire();
    return existing;
  }

  /** By id, any tenant (root lookups). */
  get(id: string): RegisteredIntegration | undefined { return this.#byId.get(id); }

  /** By id, only when it belongs to `tenant` (view lookups): another tenant's id is simply absent. */
  getForTenant(id: string, tenant: string): RegisteredIntegration | undefined {
    return this.#tenants.get(tenant)?.byId.get(id);
  }

  /** Every integration (root), or one tenant's, in registration order. */
  values(tenant?: string): IterableIterator<RegisteredIntegration> {
    if (tenant === undefined) return this.#byId.values();
    return (this.#tenants.get(tenant)?.byId ?? new Map<string, RegisteredIntegration>()).values();
  }

  get size(): number { return this.#byId.size; }

  /**
   * Integrations that could cover `loc` (same provider and bucket/container), in registration
   * order: with `tenant`, that tenant's (bucket group first, then its wildcards); without, only
   * integrations that belong to no tenant.
   */
  candidates(loc: AssetLocation, tenant?: string): readonly RegisteredIntegration[] {
    const index = tenant === undefined ? this.#shared : this.#tenants.get(tenant);
    if (!index) return NONE;
    const own = index.groups.get(groupOfLocation(loc)) ?? NONE;
    const wild = tenant !== undefined && (loc.provider === 'aws' || loc.provider === 'gcp' || loc.provider === 'azure')
      ? index.groups.get(`${loc.provider}|*`) : undefined;
    // A pre-signed cloud URL may also be fetched as is by an https integration that allows its host.
    const https = loc.presigned !== undefined && loc.provider !== 'https' ? index.groups.get('https|*') : undefined;
    return wild || https ? [...own, ...(wild ?? []), ...(https ?? [])] : own;
  }

  /** Whether `tenant` (or, without, the tenant-less integrations) has any integration of `provider`. */
  hasProvider(provider: Provider | string, tenant?: string): boolean {
    const index = tenant === undefined ? this.#shared : this.#tenants.get(tenant);
    return (index?.perProvider.get(provider) ?? 0) > 0;
  }

  /** Whether tenant-bound integrations name `loc`'s bucket/container (so a root caller is told to use a view). */
  tenantBoundCover(loc: AssetLocation): boolean {
    return (this.#tenantBound.get(groupOfLocation(loc)) ?? 0) > 0;
  }
}
