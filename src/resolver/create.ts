import { CredentialCache } from '../cache/credential-cache.js';
import { assertPackagesInstalled } from '../deps/check.js';
import { AssetLinkError, BlockedHostError, InvalidIntegrationError, InvalidUriError, NoIntegrationError, OutOfScopeError } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { matchByScope, matchExplicit, type MatchOutcome } from '../integrations/match.js';
import { RegisteredIntegration } from '../integrations/registered.js';
import { IntegrationRegistry } from '../integrations/registry.js';
import { validateIntegration } from '../integrations/validate.js';
import { inspectSymbol, redactUrl } from '../redact.js';
import type { DriverContext, ProviderDriver } from '../resolvers/driver.js';
import { loadDriverFactory } from '../resolvers/registry.js';
import type {
  HttpMethod, Integration, IntegrationSummary, MatchResult, PlatformOptions, PresignedUrl, Provider, ResolvedAsset, ResolverOptions,
} from '../types.js';
import { parseAssetUri, type EndpointOverride, type ParseOptions } from '../uri/index.js';
import type { VerificationReport, VerifyOptions } from '../verify/report.js';
import { verifyIntegration } from '../verify/verify.js';
import { BoundAsset } from './asset.js';

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
}

/**
 * Holds a platform's integrations and turns asset URIs into {@link ResolvedAsset}s.
 * Provider drivers are created on first use of that provider and shared by all its assets.
 */
export class AssetResolver {
  readonly #integrations = new IntegrationRegistry();
  readonly #adHoc = new WeakMap<object, RegisteredIntegration>();
  readonly #drivers = new Map<Provider, Promise<ProviderDriver>>();
  readonly #platform: PlatformOptions;
  readonly #cache: CredentialCache;
  readonly #onEvent: ((event: AssetLinkEvent) => void) | undefined;
  readonly #now: () => number;
  readonly #requestTimeoutMs: number;
  readonly #parseOptions: ParseOptions;
  #closed = false;
  /** One bound listener for the cache, the drivers and every resolved asset (not a closure per resolve). */
  readonly #emitter = (event: AssetLinkEvent): void => this.#emit(event);

  constructor(options: ResolverOptions = {}) {
    this.#platform = options.platform ?? {};
    this.#onEvent = options.onEvent;
    this.#now = options.now ?? Date.now;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#cache = new CredentialCache({
      ...(options.cache?.refreshBeforeExpirySeconds !== undefined ? { refreshBeforeExpirySeconds: options.cache.refreshBeforeExpirySeconds } : {}),
      ...(options.cache?.maxEntries !== undefined ? { maxEntries: options.cache.maxEntries } : {}),
      ...(options.cache?.store !== undefined ? { store: options.cache.store } : {}),
      now: this.#now,
      emit: this.#emitter,
    });
    this.#parseOptions = {
      endpoints: endpointOverrides(this.#platform),
      ...(this.#platform.https?.allowPorts ? { allowPorts: this.#platform.https.allowPorts } : {}),
    };
    for (const integration of options.integrations ?? []) this.addIntegration(integration);
  }

  /** Validates and registers an integration (replacing one with the same id). */
  addIntegration(integration: Integration): IntegrationSummary {
    const registered = new RegisteredIntegration(validateIntegration(integration));
    assertPackagesInstalled(registered.config, this.#platform);
    if (this.#integrations.set(registered)) this.#cache.invalidatePrefix(`${registered.id}|`);
    return registered.summary();
  }

  /** Unregisters an integration and drops its cached credentials. Returns whether it was registered. */
  removeIntegration(id: string): boolean {
    this.#cache.invalidatePrefix(`${id}|`);
    return this.#integrations.delete(id);
  }

  /** Registered integrations, secrets redacted. */
  listIntegrations(): IntegrationSummary[] {
    return [...this.#integrations.values()].map((r) => r.summary());
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
    this.#assertOpen();
    const outcome = this.#match(uri, integration);
    if (outcome.location.key === '') {
      throw new InvalidUriError(`${outcome.location.uri} names a bucket, not an object: add the object key`, { uri: outcome.location.uri });
    }
    const driver = await this.#driver(outcome.integration.provider);
    return new BoundAsset({
      driver,
      target: { integration: outcome.integration, location: outcome.location },
      emit: this.#emitter,
      listening: this.#onEvent !== undefined,
      now: this.#now,
    });
  }

  /** `resolveAsset(uri).presign(...)` in one call. */
  async presign(uri: string, ttlSeconds: number, options: ResolverPresignOptions = {}): Promise<PresignedUrl> {
    const asset = await this.resolveAsset(uri, options.integration);
    return asset.presign({
      ttlSeconds,
      ...(options.method !== undefined ? { method: options.method } : {}),
      ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
      ...(options.clamp !== undefined ? { clamp: options.clamp } : {}),
    });
  }

  /**
   * Tests an integration end to end: credentials, listing, an optional sample read, a write probe
   * (read-write) or a proof that the minted credentials cannot write (read-only), and CORS.
   */
  async verify(integration: IntegrationRef, options: VerifyOptions = {}): Promise<VerificationReport> {
    this.#assertOpen();
    const registered = this.#lookup(integration);
    const driver = await this.#driver(registered.provider);
    return verifyIntegration({ integration: registered, driver, parseOptions: this.#parseOptions, now: this.#now }, options);
  }

  /** The registered integration (internal form) for drivers, verification and the CLI. */
  integration(ref: IntegrationRef): RegisteredIntegration {
    return this.#lookup(ref);
  }

  /** The driver for a provider, loading it on first use. */
  driver(provider: Provider): Promise<ProviderDriver> {
    return this.#driver(provider);
  }

  /** The platform options this resolver was created with. */
  get platform(): PlatformOptions { return this.#platform; }

  /** Releases SDK clients and cached credentials. The resolver cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const drivers = await Promise.allSettled(this.#drivers.values());
    await Promise.allSettled(drivers.flatMap((d) => (d.status === 'fulfilled' ? [d.value.close()] : [])));
    this.#drivers.clear();
    this.#cache.clear();
  }

  /** The registered integrations, secrets redacted (what `JSON.stringify(resolver)` prints). */
  toJSON(): Record<string, unknown> { return { integrations: this.listIntegrations() }; }
  [inspectSymbol](): string { return `AssetResolver ${JSON.stringify(this.toJSON())}`; }

  #match(uri: string, ref: IntegrationRef | undefined): MatchOutcome {
    const location = parseAssetUri(uri, this.#parseOptions);
    try {
      return ref === undefined ? matchByScope(this.#integrations.candidates(location), location, this.#integrations.hasProvider(location.provider)) : matchExplicit(this.#lookup(ref), location);
    } catch (error) {
      if (error instanceof NoIntegrationError || error instanceof OutOfScopeError || error instanceof BlockedHostError) {
        this.#emit({
          type: 'scope.refused', time: new Date(this.#now()), uri: location.uri, code: error.code, provider: location.provider,
          ...(error.integrationId !== undefined ? { integrationId: error.integrationId } : {}),
        });
      }
      throw error;
    }
  }

  #lookup(ref: IntegrationRef): RegisteredIntegration {
    if (typeof ref === 'string') {
      const found = this.#integrations.get(ref);
      if (!found) throw new NoIntegrationError(`no integration with id "${ref}" is registered`, { integrationId: ref });
      return found;
    }
    const cached = this.#adHoc.get(ref);
    if (cached) return cached;
    const registered = new RegisteredIntegration(validateIntegration(ref));
    assertPackagesInstalled(registered.config, this.#platform);
    const existing = this.#integrations.get(registered.id);
    if (existing && existing.cacheNamespace !== registered.cacheNamespace) {
      throw new InvalidIntegrationError('id', `"${registered.id}" is registered with a different configuration; give the ad-hoc integration its own id`, { integrationId: registered.id });
    }
    this.#adHoc.set(ref, registered);
    return registered;
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
      pending = loadDriverFactory(provider).then((factory) => factory(ctx));
      pending.catch(() => this.#drivers.delete(provider));
      this.#drivers.set(provider, pending);
    }
    return pending;
  }

  #emit(event: AssetLinkEvent): void {
    if (!this.#onEvent) return;
    // Literal s3:// and gs:// keys may contain text shaped like a signed query: never hand it on.
    const safe = 'uri' in event ? { ...event, uri: redactUrl(event.uri) } : event;
    try { this.#onEvent(safe); } catch { /* a failing audit listener must not fail the operation */ }
  }

  #assertOpen(): void {
    if (this.#closed) throw new AssetLinkError('INVALID_ARGUMENT', 'this resolver has been closed; create a new one');
  }
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
