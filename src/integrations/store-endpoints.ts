import type { AssetLocation, AwsEndpoint } from '../types.js';
import type { EndpointOverride } from '../uri/index.js';
import type { RegisteredIntegration } from './registered.js';

/**
 * The hook between pure URI parsing and per-integration S3-compatible stores
 * (`AwsIntegration.endpoint`). The parser knows no integrations: it is handed endpoint overrides.
 * The resolver hands it the platform's emulator endpoints plus, as `separateStore` overrides, the
 * `url` and `publicUrl` of every registered store. A URL on such a host therefore parses as an
 * `aws` location that names its store (`location.endpoint`) — never as a plain `https` asset, so an
 * https integration cannot be used to reach a store host, and a store location is only ever
 * covered by an integration of that same store (`coversStore`).
 */

type Registry = { readonly version: number; values(): Iterable<RegisteredIntegration> };

/** The origins (normalised, as the validator wrote them) a store answers at: `url`, then `publicUrl`. */
export function storeUrls(endpoint: AwsEndpoint): string[] {
  return endpoint.publicUrl === undefined || endpoint.publicUrl === endpoint.url ? [endpoint.url] : [endpoint.url, endpoint.publicUrl];
}

/**
 * May an AWS integration with `endpoint` (or none) cover `loc`? A location on a store only by an
 * integration of that store; an AWS-hosted URL (it names a partition) only by an AWS integration;
 * an `s3://` URI, which names neither, by either (matching then refuses a tie between stores).
 */
export function coversStore(endpoint: AwsEndpoint | undefined, loc: AssetLocation): string | undefined {
  if (loc.endpoint !== undefined) {
    if (endpoint === undefined) return `the URI is on the S3-compatible store ${loc.endpoint}, and this integration is for AWS`;
    return storeUrls(endpoint).includes(loc.endpoint) ? undefined : `the URI is on ${loc.endpoint}, and this integration's store is ${endpoint.url}`;
  }
  if (endpoint !== undefined && loc.partition !== undefined) return `the URI names an AWS bucket, and this integration's store is ${endpoint.url}`;
  return undefined;
}

/** Which store an AWS integration reaches, for telling apart ties: '' is AWS itself. */
export function storeOf(reg: RegisteredIntegration): string {
  const config = reg.config;
  return config.provider === 'aws' && config.endpoint !== undefined ? config.endpoint.url : '';
}

/**
 * Endpoint overrides for parsing: the registered stores first (a URL on a store's host is that
 * store's), then the platform's. Rebuilt only when the registry changed; each override object is
 * kept while its store is registered, so the parser's per-object compile cache stays warm.
 */
export class StoreEndpoints {
  readonly #registry: Registry;
  readonly #platform: readonly EndpointOverride[];
  readonly #known = new Map<string, EndpointOverride>();
  #version = -1;
  #all: EndpointOverride[] = [];

  constructor(registry: Registry, platform: readonly EndpointOverride[]) {
    this.#registry = registry;
    this.#platform = platform;
  }

  all(): EndpointOverride[] {
    if (this.#version === this.#registry.version) return this.#all;
    const next = new Map<string, EndpointOverride>();
    for (const reg of this.#registry.values()) {
      const config = reg.config;
      if (config.provider !== 'aws' || config.endpoint === undefined) continue;
      const virtualHosted = config.endpoint.forcePathStyle === false;
      for (const url of storeUrls(config.endpoint)) {
        const key = `${url}|${virtualHosted}`;
        if (next.has(key)) continue;
        next.set(key, this.#known.get(key) ?? Object.freeze({ provider: 'aws', url, separateStore: true, virtualHosted }));
      }
    }
    this.#known.clear();
    for (const [key, override] of next) this.#known.set(key, override);
    this.#all = [...next.values(), ...this.#platform];
    this.#version = this.#registry.version;
    return this.#all;
  }

  /** The overrides plus those of one integration that is not registered (an ad-hoc object). */
  withIntegration(reg: RegisteredIntegration): EndpointOverride[] {
    const config = reg.config;
    if (config.provider !== 'aws' || config.endpoint === undefined) return this.all();
    const virtualHosted = config.endpoint.forcePathStyle === false;
    const extra = storeUrls(config.endpoint).map((url): EndpointOverride => ({ provider: 'aws', url, separateStore: true, virtualHosted }));
    return [...extra, ...this.all()];
  }
}
