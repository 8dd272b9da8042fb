import { createHash, randomUUID } from 'node:crypto';
import { inspectSymbol } from '../redact.js';
import type { Integration, IntegrationSummary, Mode, Provider } from '../types.js';
import { WILDCARD } from './common-fields.js';

type WithMode<T> = T extends Integration ? Omit<T, 'mode'> & { mode: Mode } : never;
/** A validated integration with `mode` filled in. */
export type NormalizedIntegration = WithMode<Integration>;

/**
 * A validated integration as the resolver holds it. The configuration (with its secrets) sits in a
 * private field: JSON.stringify and util.inspect see only the redacted summary.
 */
export class RegisteredIntegration<I extends NormalizedIntegration = NormalizedIntegration> {
  readonly #config: I;
  readonly #summary: IntegrationSummary;
  readonly #prefix: string;
  readonly #wildcard: boolean;
  #retired = false;
  /**
   * `${cachePrefix}${fingerprint of the whole configuration}`: every credential cache key starts
   * with it, so two configurations that share an id (an ad-hoc object, a replaced integration) can
   * never be served each other's credentials, and `cachePrefix` still prefixes everything the
   * integration cached.
   */
  readonly cacheNamespace: string;
  /** `t=${tenant}|${id}|` (or `${id}|` without tenant): the start of every cache key of this integration. */
  readonly cachePrefix: string;

  constructor(config: I) {
    // Frozen (functions such as Azure assertion callbacks excepted): nothing handed this object can widen it.
    this.#config = deepFreeze(config);
    this.cachePrefix = cachePrefixOf(config);
    this.cacheNamespace = `${this.cachePrefix}${fingerprint(config)}`;
    this.#summary = deepFreeze(summarize(config));
    this.#prefix = ((config.scope as { prefix?: string }).prefix ?? '').replace(/\/+$/, '');
    this.#wildcard = isWildcardScope(config);
  }

  get id(): string { return this.#config.id; }
  get tenant(): string | undefined { return this.#config.tenant; }
  get disabled(): boolean { return this.#config.disabled === true; }
  get labels(): Readonly<Record<string, string>> | undefined { return this.#config.labels; }
  /** Covers any bucket (AWS/GCP `bucket: '*'`) or any container of an account (Azure without container). */
  get wildcard(): boolean { return this.#wildcard; }
  /**
   * True once this object was replaced (`updateIntegration`, `addIntegration` with its id) or
   * removed: assets bound to it move to the current registration, and credentials are not
   * minted for it any more.
   */
  get retired(): boolean { return this.#retired; }
  /** Called by the registry only. */
  retire(): void { this.#retired = true; }
  get provider(): Provider { return this.#config.provider; }
  get mode(): Mode { return this.#config.mode; }
  /** The full configuration, secrets included. For drivers and auth strategies only. */
  get config(): I { return this.#config; }
  /** Prefix of the scope without trailing slash ('' = whole bucket/container). */
  get prefix(): string { return this.#prefix; }

  /** Frozen, so it can be handed out without copying. */
  summary(): IntegrationSummary { return this.#summary; }
  toJSON(): IntegrationSummary { return this.summary(); }
  [inspectSymbol](): string { return `RegisteredIntegration ${JSON.stringify(this.#summary)}`; }
}

/** Functions (Azure assertion callbacks) have no content to hash: each gets a random identity. */
const functionIds = new WeakMap<object, string>();

function fingerprint(config: NormalizedIntegration): string {
  const json = JSON.stringify(config, (_key, value: unknown) => {
    if (typeof value !== 'function') return value;
    let id = functionIds.get(value);
    if (!id) { id = randomUUID(); functionIds.set(value, id); }
    return `function:${id}`;
  });
  return createHash('sha256').update(json).digest('base64url').slice(0, 22);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function summarize(config: NormalizedIntegration): IntegrationSummary {
  const summary: IntegrationSummary = {
    id: config.id,
    provider: config.provider,
    mode: config.mode,
    scope: structuredClone(config.scope) as Record<string, unknown>,
  };
  if ('auth' in config) {
    summary.authKind = config.auth.kind;
  }
  if (config.tenant !== undefined) summary.tenant = config.tenant;
  if (config.disabled) summary.disabled = true;
  if (config.labels !== undefined) summary.labels = { ...config.labels };
  return summary;
}

/** See `RegisteredIntegration.cachePrefix`. Tenants and ids never contain `|` (validated). */
export function cachePrefixOf(config: { id: string; tenant?: string }): string {
  return config.tenant === undefined ? `${config.id}|` : `t=${config.tenant}|${config.id}|`;
}

export function isWildcardScope(config: NormalizedIntegration): boolean {
  switch (config.provider) {
    case 'aws': case 'gcp': return config.scope.bucket === WILDCARD;
    case 'azure': return config.scope.container === undefined;
    default: return false;
  }
}
