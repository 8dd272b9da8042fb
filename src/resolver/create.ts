import { CredentialCache } from '../cache/credential-cache.js';
import { assertPackagesInstalled } from '../deps/check.js';
import {
  AssetLinkError, BlockedHostError, IntegrationDisabledError, InvalidArgumentError, InvalidIntegrationError, InvalidUriError, NoIntegrationError,
  OutOfScopeError, TenantRequiredError,
} from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { matchByScope, matchExplicit, type MatchOutcome } from '../integrations/match.js';
import { RegisteredIntegration } from '../integrations/registered.js';
import { IntegrationRegistry } from '../integrations/registry.js';
import { StoreEndpoints } from '../integrations/store-endpoints.js';
import { validateIntegration } from '../integrations/validate.js';
import { isValidTenant } from '../integrations/common-fields.js';
import { inspectSymbol, redactUrl } from '../redact.js';
import type { DriverContext, ProviderDriver } from '../resolvers/driver.js';
import { loadDriverFactory } from '../resolvers/registry.js';
import type {
  AssetLocation, HttpMethod, Integration, IntegrationSummary, MatchResult, PlatformOptions, PresignedUrl, PresignOptions, Provider, ResolvedAsset, ResolverOptions,
} from '../types.js';
import { checkReuseSettings, PresignReuse } from './presign-reuse.js';
import { parseAssetUri, type EndpointOverride, type ParseOptions } from '../uri/index.js';
import type { VerificationReport, VerifyOptions } from '../verify/report.js';
import { AdHocIntegrations } from './ad-hoc.js';
import { BoundAsset } from './asset.js';
import { frozenOptions } from './frozen.js';
import { createTenantView, type TenantResolver } from './tenant.js';
import { followUpdates, type Rebind } from './current-target.js';
import { listEntries } from '../list/iterate.js';
import type { ListingContext } from '../list/target.js';
import type { KeyRange, ListedEntry, ListedObject, ListOptions, SplitListingOptions } from '../list/types.js';
import type { VendOptions } from './vend.js';
import type { VendedCredentials } from '../vend/credentials.js';
import type { PresignBatchContext, PresignManyOptions } from './presign-many.js';

/** An integration given by id, by object, or left for the resolver to match by scope. */
export type IntegrationRef = string | Integration;

/** Options of `resolver.presign(uri, ttlSeconds, options)`. */
export interface ResolverPresignOptions {
  /** `GET` (default) or `PUT` (read-write integrations only). */
  method?: HttpMethod;
  /** Use this integration (id or object) instead of matching the URI by scope. */
  integration?: IntegrationRef;
  /** For PUT: the Content-Type the upload must send. */
  contentType?: string;
  /** Shorten a TTL that is too long instead of failing with INVALID_TTL. */
  clamp?: boolean;
  /** Signed-URL reuse for this call, or `false` to turn the resolver's off (docs/presign-reuse.md). */
  reuse?: PresignOptions['reuse'];
}

/** Set by `forTenant` just before it constructs a tenant-scoped twin (synchronously consumed). */
let pendingTwin: { root: AssetResolver; tenant: string } | undefined;

// verify, vend, presignMany and splitListing load their modules on first use: a process that only
// presigns or reads never compiles them (docs/performance.md, cold start).

/**
 * Holds a platform's integrations and turns asset URIs into {@link ResolvedAsset}s.
 * Provider drivers are created on first use of that provider and shared by all its assets.
 *
 * `forTenant(t)` makes a twin of this resolver that shares all of its state (nothing is copied)
 * but whose matching and lookups see only tenant `t`'s integrations (`#tenant`); see tenant.ts.
 */
export class AssetResolver {
  readonly #integrations: IntegrationRegistry;
  /** Validated ad-hoc integration objects, per effective tenant ('' at the root). */
  readonly #adHoc: AdHocIntegrations;
  readonly #drivers: Map<Provider, Promise<ProviderDriver>>;
  /** The drivers of #drivers that have finished loading: an operation then needs no promise to get one. */
  readonly #loaded: Map<Provider, ProviderDriver>;
  readonly #platform: PlatformOptions;
  readonly #cache: CredentialCache;
  readonly #onEvent: ((event: AssetLinkEvent) => void) | undefined;
  readonly #now: () => number;
  readonly #requestTimeoutMs: number;
  readonly #parseOptions: ParseOptions;
  readonly #stores: StoreEndpoints;
  /** Shared by a root and its tenant twins, so closing the root closes them all. */
  readonly #life: { closed: boolean };
  /** One bound listener for the cache, the drivers and every resolved asset (not a closure per resolve). */
  readonly #emitter: (event: AssetLinkEvent) => void;
  /** Moves assets bound to a replaced integration onto its current registration (shared). */
  readonly #rebinder: Rebind;
  readonly #requireTenant: boolean;
  /** The tenant of a twin made by forTenant; undefined for the root. */
  readonly #tenant: string | undefined;
  /** Reusable presigned URLs (shared with tenant twins: keys name the registration, so never across tenants). */
  readonly #reuse: PresignReuse;

  constructor(options: ResolverOptions = {}) {
    const twin = pendingTwin;
    pendingTwin = undefined;
    if (twin) {
      const root = twin.root;
      this.#tenant = twin.tenant;
      this.#integrations = root.#integrations;
      this.#adHoc = root.#adHoc;
      this.#drivers = root.#drivers;
      this.#loaded = root.#loaded;
      this.#platform = root.#platform;
      this.#cache = root.#cache;
      this.#onEvent = root.#onEvent;
      this.#now = root.#now;
      this.#requestTimeoutMs = root.#requestTimeoutMs;
      this.#parseOptions = root.#parseOptions;
      this.#stores = root.#stores;
      this.#life = root.#life;
      this.#emitter = root.#emitter;
      this.#rebinder = root.#rebinder;
      this.#requireTenant = root.#requireTenant;
      this.#reuse = root.#reuse;
      return;
    }
    this.#tenant = undefined;
    this.#integrations = new IntegrationRegistry();
    this.#adHoc = new AdHocIntegrations();
    this.#drivers = new Map();
    this.#loaded = new Map();
    this.#life = { closed: false };
    this.#emitter = (event) => this.#emit(event);
    this.#rebinder = (stale, location) => this.#rebind(stale, location);
    this.#requireTenant = options.requireTenant === true;
    this.#reuse = new PresignReuse(checkReuseSettings(options.presignReuse, 'presignReuse') || undefined);
    // A frozen copy: options the caller mutates later (an allow-list array) change nothing here.
    this.#platform = frozenOptions(options.platform ?? {});
    this.#onEvent = options.onEvent;
    this.#now = options.now ?? Date.now;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#cache = new CredentialCache({
      ...(options.cache?.refreshBeforeExpirySeconds !== undefined ? { refreshBeforeExpirySeconds: options.cache.refreshBeforeExpirySeconds } : {}),
      ...(options.cache?.maxEntries !== undefined ? { maxEntries: options.cache.maxEntries } : {}),
      ...(options.cache?.store !== undefined ? { store: options.cache.store } : {}),
      ...(options.cache?.lockWaitMs !== undefined ? { lockWaitMs: options.cache.lockWaitMs } : {}),
      now: this.#now,
      emit: this.#emitter,
    });
    // Registered S3-compatible stores join the platform's endpoints as integrations come and go.
    const stores = new StoreEndpoints(this.#integrations, endpointOverrides(this.#platform));
    this.#parseOptions = {
      get endpoints() { return stores.all(); },
      ...(this.#platform.https?.allowPorts ? { allowPorts: this.#platform.https.allowPorts } : {}),
    };
    this.#stores = stores;
    for (const integration of options.integrations ?? []) this.addIntegration(integration);
  }

  /** Validates and registers an integration (replacing one with the same id, as updateIntegration does). */
  addIntegration(integration: Integration): IntegrationSummary {
    const registered = new RegisteredIntegration(validateIntegration(integration));
    assertPackagesInstalled(registered.config, this.#platform);
    this.#forget(this.#integrations.set(registered));
    return registered.summary();
  }

  /**
   * Replaces the integration with the same id (`NO_INTEGRATION` when there is none), validated
   * first. Its cached credentials are dropped, locally and from the shared store; credential
   * fetches in flight for the old configuration are not handed to anyone (their callers retry
   * with the new one), and assets resolved earlier use the new configuration from now on.
   */
  updateIntegration(integration: Integration): IntegrationSummary {
    const registered = new RegisteredIntegration(validateIntegration(integration));
    if (!this.#integrations.get(registered.id)) {
      throw new NoIntegrationError(`no integration with id "${registered.id}" is registered; use addIntegration to add it`, { integrationId: registered.id });
    }
    assertPackagesInstalled(registered.config, this.#platform);
    this.#forget(this.#integrations.set(registered));
    return registered.summary();
  }

  /** Unregisters an integration and drops its cached credentials. Returns whether it was registered. */
  removeIntegration(id: string): boolean {
    this.#cache.invalidatePrefix(`${id}|`);
    const removed = this.#integrations.delete(id);
    this.#forget(removed);
    return removed !== undefined;
  }

  /**
   * A view of this resolver for one tenant: its operations see only integrations whose `tenant`
   * is `tenant`. Cheap (shares everything, copies nothing, no network): make one per request.
   */
  forTenant(tenant: string): TenantResolver {
    if (this.#tenant !== undefined) throw new InvalidArgumentError('forTenant is called on the root resolver, not on a tenant view');
    if (!isValidTenant(tenant)) throw new InvalidArgumentError('tenant must be 1–128 of letters, digits and . _ : @ / -, starting with a letter or digit');
    pendingTwin = { root: this, tenant };
    return createTenantView(tenant, new AssetResolver());
  }

  /** Registered integrations (a view: only its tenant's), secrets redacted. */
  listIntegrations(): IntegrationSummary[] {
    return [...this.#integrations.values(this.#tenant)].map((r) => r.summary());
  }

  /** Which integration covers `uri` and why. No network. */
  match(uri: string, integration?: IntegrationRef): MatchResult {
    const outcome = this.#match(uri, integration);
    return { integration: outcome.integration.summary(), location: outcome.location, reason: outcome.reason, matchedPrefix: outcome.matchedPrefix };
  }

  /**
   * Finds the integration that covers `uri` (or uses the one given) and returns the asset bound to it.
   * No credentials are fetched until an operation needs them. `NO_INTEGRATION`, `OUT_OF_SCOPE`,
   * `INVALID_URI` when it cannot be resolved.
   */
  async resolveAsset(uri: string, integration?: IntegrationRef): Promise<ResolvedAsset> {
    return this.#resolveNow(uri, integration);
  }

  /** resolveAsset, with the asset itself (no promise) once the provider's driver is loaded; may throw. */
  #resolveNow(uri: string, integration: IntegrationRef | undefined): BoundAsset | Promise<BoundAsset> {
    this.#assertOpen();
    const outcome = this.#match(uri, integration);
    if (outcome.location.key === '') {
      throw new InvalidUriError(`${outcome.location.uri} names a bucket, not an object: add the object key`, { uri: outcome.location.uri });
    }
    // The parser's location is new and held by nobody else: frozen here, the asset keeps it without copying it.
    if (outcome.location.presigned === undefined) Object.freeze(outcome.location);
    const driver = this.#loaded.get(outcome.integration.provider);
    return driver !== undefined ? this.#bind(outcome, driver) : this.#driver(outcome.integration.provider).then((loaded) => this.#bind(outcome, loaded));
  }

  #bind(outcome: MatchOutcome, driver: ProviderDriver): BoundAsset {
    return new BoundAsset({
      driver,
      target: { integration: outcome.integration, location: outcome.location },
      emit: this.#emitter,
      listening: this.#onEvent !== undefined,
      now: this.#now,
      rebind: this.#rebinder,
      reuse: this.#reuse,
    });
  }

  /** `resolveAsset(uri).presign(...)` in one call. */
  async presign(uri: string, ttlSeconds: number, options: ResolverPresignOptions = {}): Promise<PresignedUrl> {
    const resolved = this.#resolveNow(uri, options.integration);
    const asset = resolved instanceof Promise ? await resolved : resolved;
    return asset.presign({ ttlSeconds, method: options.method, contentType: options.contentType, clamp: options.clamp, reuse: options.reuse });
  }

  /**
   * Tests an integration end to end: credentials, listing, an optional sample read, a write probe
   * (read-write) or a proof that the minted credentials cannot write (read-only), and CORS.
   */
  async verify(integration: IntegrationRef, options: VerifyOptions = {}): Promise<VerificationReport> {
    this.#assertOpen();
    const registered = this.#lookup(integration);
    const [driver, { verifyIntegration }] = await Promise.all([this.#driver(registered.provider), import('../verify/verify.js')]);
    return verifyIntegration({ integration: registered, driver, parseOptions: this.#parseOptions, now: this.#now }, options);
  }

  /** Lazily lists a bucket or folder, one provider page at a time (docs/listing.md). */
  list(uri: string, options?: ListOptions & { recursive?: true }): AsyncIterable<ListedObject>;
  /** With `recursive: false`, the next path segment below the folder comes back as `kind: 'prefix'` entries. */
  list(uri: string, options: ListOptions): AsyncIterable<ListedEntry>;
  /** Lazily lists a bucket or folder, one provider page at a time (docs/listing.md). */
  list(uri: string, options: ListOptions = {}): AsyncIterable<ListedEntry> { return listEntries(this.#listing(), uri, options); }

  /** n key ranges whose listings together are exactly one listing of `uri` (docs/listing.md). */
  async splitListing(uri: string, n: number, options?: SplitListingOptions): Promise<KeyRange[]> {
    const { splitListing } = await import('../list/split.js');
    return splitListing(this.#listing(), uri, n, options);
  }

  /**
   * Credentials for a worker that is not this process, confined to the URI's prefix, a mode no
   * wider than the integration's and at most `ttlSeconds` (docs/vending.md).
   */
  vend(uri: string, options: VendOptions): Promise<VendedCredentials> {
    this.#assertOpen();
    return import('./vend.js').then(({ vendCredentials }) => vendCredentials(this.#listing(), uri, options));
  }

  /**
   * Presigned URLs for many URIs: one match and one credential fetch per integration; a URI that
   * fails gets its AssetLinkError in its place, the others their URL (docs/vending.md).
   */
  presignMany(uris: readonly string[], ttlSeconds: number, options: PresignManyOptions = {}): Promise<Array<PresignedUrl | AssetLinkError>> {
    this.#assertOpen();
    return import('./presign-many.js').then(({ presignMany }) => presignMany(this.#batch(), uris, ttlSeconds, options));
  }

  /** What presignMany needs: matching as this resolver (root or tenant twin) sees integrations, and assets. */
  // Built on first use, not per resolver: forTenant makes a twin per request, and most never list or batch.
  #batchContext: PresignBatchContext | undefined;
  #batch(): PresignBatchContext {
    return this.#batchContext ??= this.#newBatchContext();
  }

  #newBatchContext(): PresignBatchContext {
    return {
      parse: (uri) => parseAssetUri(uri, this.#parseOptions),
      candidates: (loc) => this.#integrations.candidates(loc, this.#tenant),
      match: (uri, ref) => this.#match(uri, ref),
      lookup: (ref) => this.#lookup(ref),
      driver: (provider) => this.#driver(provider),
      now: () => this.#now(),
      emit: (event) => this.#emitter(this.#tenant !== undefined && !('tenant' in event) ? { ...event, tenant: this.#tenant } as AssetLinkEvent : event),
      listening: () => this.#onEvent !== undefined,
    };
  }

  /** What the listing code needs, seen as this resolver (root or tenant twin) sees integrations. */
  #listingContextMemo: ListingContext | undefined;
  #listing(): ListingContext {
    return this.#listingContextMemo ??= this.#listingContext();
  }

  #listingContext(): ListingContext {
    const onEvent = (): boolean => this.#onEvent !== undefined;
    return {
      parse: (uri) => parseAssetUri(uri, this.#parseOptions),
      candidates: (loc) => this.#integrations.candidates(loc, this.#tenant),
      matchByScope: (loc) => {
        const outcome = this.#matchByScope(loc);
        assertEnabled(outcome.integration);
        return outcome;
      },
      lookup: (ref) => this.#lookup(ref),
      driver: (provider) => this.#driver(provider),
      // Events of a tenant view carry its tenant, like every other operation's.
      emit: (event) => this.#emitter(this.#tenant !== undefined && !('tenant' in event) ? { ...event, tenant: this.#tenant } as AssetLinkEvent : event),
      get listening() { return onEvent(); },
      now: () => this.#now(),
    };
  }

  /**
   * The registered integration (internal form) for drivers, verification and the CLI: disabled and
   * wildcard ones too (this hands out configuration, not credentials — operations go through matching).
   */
  integration(ref: IntegrationRef): RegisteredIntegration {
    return this.#find(ref, true);
  }

  /** The driver for a provider, loading it on first use. */
  driver(provider: Provider): Promise<ProviderDriver> {
    return this.#driver(provider);
  }

  /** The platform options this resolver was created with. */
  get platform(): PlatformOptions { return this.#platform; }

  /** Releases SDK clients and cached credentials. The resolver cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#life.closed) return;
    this.#life.closed = true;
    const drivers = await Promise.allSettled(this.#drivers.values());
    await Promise.allSettled(drivers.flatMap((d) => (d.status === 'fulfilled' ? [d.value.close()] : [])));
    this.#drivers.clear();
    this.#loaded.clear();
    this.#cache.clear();
    this.#reuse.clear();
  }

  /** The registered integrations, secrets redacted (what `JSON.stringify(resolver)` prints). */
  toJSON(): Record<string, unknown> { return { integrations: this.listIntegrations() }; }
  [inspectSymbol](): string { return `AssetResolver ${JSON.stringify(this.toJSON())}`; }

  #match(uri: string, ref: IntegrationRef | undefined): MatchOutcome {
    const location = this.#parse(uri, ref);
    try {
      const outcome = ref === undefined ? this.#matchByScope(location) : matchExplicit(this.#lookup(ref), location);
      assertEnabled(outcome.integration);
      return outcome;
    } catch (error) {
      if (error instanceof NoIntegrationError || error instanceof OutOfScopeError || error instanceof BlockedHostError) {
        this.#emit({
          type: 'scope.refused', time: new Date(this.#now()), uri: location.uri, code: error.code, provider: location.provider,
          ...(error.integrationId !== undefined ? { integrationId: error.integrationId } : {}),
          ...(this.#tenant !== undefined ? { tenant: this.#tenant } : {}),
        });
      }
      throw error;
    }
  }

  /** An ad-hoc integration object's own store host parses too (registered stores always do). */
  #parse(uri: string, ref: IntegrationRef | undefined): AssetLocation {
    try {
      return parseAssetUri(uri, this.#parseOptions);
    } catch (error) {
      if (!(error instanceof InvalidUriError) || typeof ref !== 'object' || ref === null || ref.provider !== 'aws' || ref.endpoint === undefined) throw error;
      return parseAssetUri(uri, { ...this.#parseOptions, endpoints: this.#stores.withIntegration(this.#lookup(ref)) });
    }
  }

  /**
   * A tenant twin matches among its tenant's integrations only. The root matches among
   * integrations that belong to no tenant: a tenant-bound integration is never picked for a
   * caller that did not say which tenant it acts for (the confused deputy one level above ExternalId).
   */
  #matchByScope(location: AssetLocation): MatchOutcome {
    const tenant = this.#tenant;
    const registry = this.#integrations;
    if (tenant !== undefined) return matchByScope(registry.candidates(location, tenant), location, registry.hasProvider(location.provider, tenant));
    if (this.#requireTenant) {
      throw new TenantRequiredError(
        `${location.uri} was not matched: this resolver requires a tenant (requireTenant: true). Resolve through resolver.forTenant(tenant), or name the integration explicitly.`,
        { uri: location.uri },
      );
    }
    try {
      return matchByScope(registry.candidates(location), location, registry.hasProvider(location.provider));
    } catch (error) {
      if (error instanceof NoIntegrationError && registry.tenantBoundCover(location)) {
        throw new TenantRequiredError(
          `no integration without a tenant covers ${location.uri}; integrations bound to a tenant are matched only through resolver.forTenant(tenant)`,
          { uri: location.uri },
        );
      }
      throw error;
    }
  }

  /** `#find`, refusing disabled integrations: what every operation uses. */
  #lookup(ref: IntegrationRef): RegisteredIntegration {
    const found = this.#find(ref);
    assertEnabled(found);
    return found;
  }

  /** An integration by id or object, as this resolver (root or tenant twin) may see it. */
  #find(ref: IntegrationRef, anyScope = false): RegisteredIntegration {
    const tenant = this.#tenant;
    const rootMayUse = anyScope ? (reg: RegisteredIntegration) => reg : rootMayUseForOperations;
    if (typeof ref === 'string') {
      const found = tenant === undefined ? this.#integrations.get(ref) : this.#integrations.getForTenant(ref, tenant);
      // Through a view, another tenant's id gets exactly this error: its existence is not revealed.
      if (!found) throw new NoIntegrationError(`no integration with id "${ref}" is registered${tenant === undefined ? '' : ` for tenant "${tenant}"`}`, { integrationId: ref });
      return rootMayUse(found, tenant);
    }
    const slot = tenant ?? '';
    // The caller's object is copied on every call; its registration is reused only while its content is unchanged.
    const registered = this.#adHoc.get(ref, slot, (copy) => {
      const given = (copy as { tenant?: unknown }).tenant;
      if (tenant !== undefined && given !== undefined && given !== tenant) {
        throw new InvalidIntegrationError('tenant', `is ${JSON.stringify(String(given)).slice(0, 140)}, but this view is for tenant "${tenant}": pass only this tenant's integrations`);
      }
      // An ad-hoc integration used through a view belongs to the view's tenant.
      const fresh = new RegisteredIntegration(validateIntegration(tenant !== undefined && given === undefined ? { ...copy, tenant } : copy));
      assertPackagesInstalled(fresh.config, this.#platform);
      const existing = tenant === undefined ? this.#integrations.get(fresh.id) : this.#integrations.getForTenant(fresh.id, tenant);
      if (existing && existing.cacheNamespace !== fresh.cacheNamespace) {
        throw new InvalidIntegrationError('id', `"${fresh.id}" is registered with a different configuration; give the ad-hoc integration its own id`, { integrationId: fresh.id });
      }
      return fresh;
    });
    return rootMayUse(registered, tenant);
  }

  /** The current registration behind an asset (or operation) whose integration was replaced since it was looked up. */
  #rebind<L extends AssetLocation | undefined>(stale: RegisteredIntegration, location: L): { integration: RegisteredIntegration; location: L } {
    const current = this.#integrations.get(stale.id);
    const where = location === undefined ? '' : ` after ${location.uri} was resolved`;
    if (!current || current.tenant !== stale.tenant) {
      throw new NoIntegrationError(`integration "${stale.id}" was removed${where}`, { integrationId: stale.id, ...(location ? { uri: location.uri } : {}) });
    }
    assertEnabled(current);
    return { integration: current, location: (location === undefined ? undefined : matchExplicit(current, location).location) as L };
  }

  /** Drops what a replaced or removed registration cached, and hands its in-flight fetches to no one. */
  #forget(old: RegisteredIntegration | undefined): void {
    if (old) this.#cache.invalidatePrefix(old.cachePrefix);
    // Reused URLs are keyed by registration, so a replaced one's are never served again; free them.
    if (old) this.#reuse.clear();
  }

  #driver(provider: Provider): Promise<ProviderDriver> {
    this.#assertOpen();
    let pending = this.#drivers.get(provider);
    if (!pending) {
      const ctx: DriverContext = {
        platform: this.#platform,
        cache: this.#cache,
        emit: this.#emitter,
        now: this.#now,
        requestTimeoutMs: this.#requestTimeoutMs,
      };
      pending = loadDriverFactory(provider).then(async (factory) => followUpdates(await factory(ctx), this.#rebinder));
      pending.catch(() => this.#drivers.delete(provider));
      const loading = pending;
      pending.then((driver) => { if (this.#drivers.get(provider) === loading && !this.#life.closed) this.#loaded.set(provider, driver); }, () => undefined);
      this.#drivers.set(provider, pending);
    }
    return pending;
  }

  #emit(event: AssetLinkEvent): void {
    if (!this.#onEvent) return;
    // Literal s3:// and gs:// keys may contain text shaped like a signed query: never hand it on.
    const safe = withLabels('uri' in event ? { ...event, uri: redactUrl(event.uri) } : event, this.#integrations);
    try { this.#onEvent(safe); } catch { /* a failing audit listener must not fail the operation */ }
  }

  #assertOpen(): void {
    if (this.#life.closed) throw new AssetLinkError('INVALID_ARGUMENT', 'this resolver has been closed; create a new one');
  }
}

function assertEnabled(reg: RegisteredIntegration): void {
  if (reg.disabled) {
    throw new IntegrationDisabledError(`integration "${reg.id}" is disabled; enable it with updateIntegration({ ...integration, disabled: false })`, { integrationId: reg.id });
  }
}

/** Wildcard integrations are only ever used through their tenant's view. */
function rootMayUseForOperations(reg: RegisteredIntegration, tenant: string | undefined): RegisteredIntegration {
  if (tenant === undefined && reg.wildcard) {
    throw new TenantRequiredError(
      `integration "${reg.id}" has a wildcard scope and is used only through its tenant's view: resolver.forTenant(${JSON.stringify(reg.tenant)})`,
      { integrationId: reg.id },
    );
  }
  return reg;
}

/** Credential events name the integration by id only: add its labels when it is the registered one of the event's tenant. */
function withLabels(event: AssetLinkEvent, registry: IntegrationRegistry): AssetLinkEvent {
  if (event.labels !== undefined || !('integrationId' in event) || event.integrationId === undefined) return event;
  const reg = registry.get(event.integrationId);
  if (!reg?.labels || reg.tenant !== event.tenant) return event;
  return { ...event, labels: reg.labels };
}

function endpointOverrides(platform: PlatformOptions): EndpointOverride[] {
  const out: EndpointOverride[] = [];
  if (platform.aws?.endpoint) out.push({ provider: 'aws', url: platform.aws.endpoint });
  if (platform.gcp?.signingEndpoint) out.push({ provider: 'gcp', url: platform.gcp.signingEndpoint });
  if (platform.gcp?.apiEndpoint && platform.gcp.apiEndpoint !== platform.gcp.signingEndpoint) out.push({ provider: 'gcp', url: platform.gcp.apiEndpoint });
  if (platform.azure?.blobEndpoint) out.push({ provider: 'azure', url: platform.azure.blobEndpoint });
  return out;
}

/**
 * Creates a resolver: a platform's integrations, its own identity per cloud, a credentials cache
 * and an audit listener. See `ResolverOptions`.
 */
export function createAssetResolver(options: ResolverOptions = {}): AssetResolver {
  return new AssetResolver(options);
}
