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

  constructor(config: I) {
    this.#config = config;
    this.#summary = summarize(config);
  }

  get id(): string { return this.#config.id; }
  get provider(): Provider { return this.#config.provider; }
  get mode(): Mode { return this.#config.mode; }
  /** The full configuration, secrets included. For drivers and auth strategies only. */
  get config(): I { return this.#config; }
  /** Prefix of the scope without trailing slash ('' = whole bucket/container). */
  get prefix(): string {
    const scope = this.#config.scope as { prefix?: string };
    return (scope.prefix ?? '').replace(/\/+$/, '');
  }

  summary(): IntegrationSummary { return structuredClone(this.#summary); }
  toJSON(): IntegrationSummary { return this.summary(); }
  [inspectSymbol](): string { return `RegisteredIntegration ${JSON.stringify(this.#summary)}`; }
}

function summarize(config: NormalizedIntegration): IntegrationSummary {
  const summary: IntegrationSummary = {
    id: config.id,
    provider: config.provider,
    mode: config.mode,
    scope: { ...(config.scope as Record<string, unknown>) },
  };
  if ('auth' in config) {
    summary.authKind = config.auth.kind;
  }
  return summary;
}
