import type { AssetLocation } from '../types.js';
import type { RegisteredIntegration } from './registered.js';

/** Bucket-level grouping key: matching only ever looks at integrations of the URI's bucket/container. */
function groupOf(reg: RegisteredIntegration): string {
  const config = reg.config;
  switch (config.provider) {
    case 'aws': case 'gcp': case 'memory': return `${config.provider}|${config.scope.bucket}`;
    case 'azure': return `azure|${config.scope.container}`;
    case 'https': case 'file': return `${config.provider}|*`;
  }
}

function groupOfLocation(loc: AssetLocation): string {
  return loc.provider === 'https' || loc.provider === 'file' ? `${loc.provider}|*` : `${loc.provider}|${loc.bucket}`;
}

/**
 * Registered integrations by id, and grouped by provider and bucket so that matching a URI among
 * 100k integrations costs a map lookup plus a scan of that bucket's few integrations.
 */
export class IntegrationRegistry {
  readonly #byId = new Map<string, RegisteredIntegration>();
  readonly #groups = new Map<string, RegisteredIntegration[]>();
  readonly #perProvider = new Map<string, number>();

  /** Adds or replaces; returns whether an integration with that id existed. */
  set(reg: RegisteredIntegration): boolean {
    const replaced = this.delete(reg.id);
    this.#byId.set(reg.id, reg);
    const group = groupOf(reg);
    const list = this.#groups.get(group);
    if (list) list.push(reg); else this.#groups.set(group, [reg]);
    this.#perProvider.set(reg.provider, (this.#perProvider.get(reg.provider) ?? 0) + 1);
    return replaced;
  }

  delete(id: string): boolean {
    const existing = this.#byId.get(id);
    if (!existing) return false;
    this.#byId.delete(id);
    const group = groupOf(existing);
    const list = this.#groups.get(group)!.filter((r) => r !== existing);
    if (list.length) this.#groups.set(group, list); else this.#groups.delete(group);
    this.#perProvider.set(existing.provider, this.#perProvider.get(existing.provider)! - 1);
    return true;
  }

  get(id: string): RegisteredIntegration | undefined { return this.#byId.get(id); }
  values(): IterableIterator<RegisteredIntegration> { return this.#byId.values(); }
  get size(): number { return this.#byId.size; }

  /** Integrations that could cover `loc` (same provider and bucket/container), in registration order. */
  candidates(loc: AssetLocation): readonly RegisteredIntegration[] {
    const own = this.#groups.get(groupOfLocation(loc)) ?? [];
    // A pre-signed cloud URL may also be fetched as is by an https integration that allows its host.
    const https = loc.presigned !== undefined && loc.provider !== 'https' ? this.#groups.get('https|*') : undefined;
    return https ? [...own, ...https] : own;
  }

  hasProvider(provider: string): boolean { return (this.#perProvider.get(provider) ?? 0) > 0; }
}
