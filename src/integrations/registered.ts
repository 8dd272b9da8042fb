import { createHash, randomUUID } from 'node:crypto';
import { inspectSymbol } from '../redact.js';
import type { Integration, IntegrationSummary, Mode, Provider } from '../types.js';

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
  /**
   * `${id}|${fingerprint of the whole configuration}`: every credential cache key starts with it, so
   * two configurations that share an id (an ad-hoc object, a replaced integration) can never be
   * served each other's credentials, and `${id}|` still prefixes everything the integration cached.
   */
  readonly cacheNamespace: string;

  constructor(config: I) {
    // Frozen (functions such as Azure assertion callbacks excepted): nothing handed this object can widen it.
    this.#config = deepFreeze(config);
    this.cacheNamespace = `${config.id}|${fingerprint(config)}`;
    this.#summary = deepFreeze(summarize(config));
    this.#prefix = ((config.scope as { prefix?: string }).prefix ?? '').replace(/\/+$/, '');
  }

  get id(): string { return this.#config.id; }
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
  return summary;
}
