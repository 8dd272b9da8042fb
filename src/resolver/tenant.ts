import { inspectSymbol } from '../redact.js';
import type { AssetResolver } from './create.js';

/**
 * Tenant views: `resolver.forTenant(tenant)`.
 *
 * A view is a tenant-scoped twin of its root resolver that shares everything with it (integration
 * registry, credential cache, provider drivers, event listener) and copies nothing: creating one
 * per request costs two small objects and no network call (bench/tenant.ts). The twin's matching
 * and lookups see only the tenant's integrations, so every operation run through it is isolated
 * by construction — including operations added to AssetResolver later, as long as they find
 * their integration through the resolver's own matching and lookup (as every operation does).
 *
 * The view object below exposes only the operations listed in TENANT_OPERATIONS. Adding an
 * operation to AssetResolver? Add its name to one of the lists: TENANT_OPERATIONS (the view
 * offers it, scoped to the tenant) or ROOT_ONLY_MEMBERS (deliberately not offered).
 * test/resolver/tenant-coverage.test.ts fails for a public member in neither list.
 */

/** Operations a tenant view offers; each sees only the view's tenant's integrations. */
export const TENANT_OPERATIONS = [
  'resolveAsset',
  'presign',
  'match',
  'verify',
  'listIntegrations',
  'list',
  'splitListing',
  'vend',
  'presignMany',
] as const satisfies ReadonlyArray<keyof AssetResolver>;

/** AssetResolver members a tenant view deliberately does not offer (lifecycle, internals). */
export const ROOT_ONLY_MEMBERS = [
  'addIntegration',
  'removeIntegration',
  'updateIntegration',
  'forTenant',
  'integration',
  'driver',
  'platform',
  'close',
] as const satisfies ReadonlyArray<keyof AssetResolver>;

/** Members the view implements itself (serialisation): neither forwarded nor hidden. */
export const VIEW_OWN_MEMBERS = ['toJSON'] as const satisfies ReadonlyArray<keyof AssetResolver>;

export type TenantOperation = (typeof TENANT_OPERATIONS)[number];

/** What `resolver.forTenant(tenant)` returns. */
export type TenantResolver = Pick<AssetResolver, TenantOperation> & {
  /** The tenant this view is bound to. */
  readonly tenant: string;
};

class TenantView {
  readonly tenant: string;
  readonly #scoped: AssetResolver;

  constructor(tenant: string, scoped: AssetResolver) {
    this.tenant = tenant;
    this.#scoped = scoped;
  }

  toJSON(): Record<string, unknown> { return { tenant: this.tenant, integrations: this.#scoped.listIntegrations() }; }
  [inspectSymbol](): string { return `TenantResolver ${JSON.stringify(this.toJSON())}`; }

  static {
    // One forwarding method per operation, on the prototype (not per view).
    for (const name of TENANT_OPERATIONS) {
      Object.defineProperty(TenantView.prototype, name, {
        value: function forward(this: TenantView, ...args: unknown[]): unknown {
          return (this.#scoped[name] as (...a: unknown[]) => unknown).apply(this.#scoped, args);
        },
        writable: false,
        enumerable: false,
        configurable: false,
      });
    }
  }
}

/** Wraps a tenant-scoped resolver twin (made by `AssetResolver.forTenant`) in the public view. */
export function createTenantView(tenant: string, scoped: AssetResolver): TenantResolver {
  return new TenantView(tenant, scoped) as unknown as TenantResolver;
}
