import { CredentialsUnavailableError } from '../errors.js';
import { describeSasNeed, parseSasToken, sasAllows, type ParsedSas, type SasOperation } from '../integrations/azure-sas-token.js';
import { inspectSymbol, REDACTED } from '../redact.js';

/**
 * The customer's SAS as the driver holds it: parsed once, checked per operation (permission,
 * mode, expiry) before anything is sent.
 */
export class CustomerSas {
  readonly parsed: ParsedSas;
  readonly #query: string;
  readonly #integrationId: string;

  constructor(token: string, integrationId: string) {
    this.parsed = parseSasToken(token);
    this.#query = token.trim().replace(/^\?/, '');
    this.#integrationId = integrationId;
  }

  get expiresOn(): Date { return this.parsed.expiresOn; }

  /**
   * The query string to append for `operation`, or a typed error without any request: expired or
   * not yet valid (CREDENTIALS_UNAVAILABLE, naming the time), or not granted (ACCESS_DENIED-like
   * CREDENTIALS_UNAVAILABLE naming the missing letter).
   */
  queryFor(operation: SasOperation, now: number, uri: string): string {
    const options = { integrationId: this.#integrationId, uri };
    if (this.parsed.expiresOn.getTime() <= now) {
      throw new CredentialsUnavailableError(`the SAS of integration "${this.#integrationId}" expired at ${this.parsed.expiresOn.toISOString()}; ask the customer for a new one (no request was sent)`, options);
    }
    if (this.parsed.startsOn && this.parsed.startsOn.getTime() > now + 300_000) {
      throw new CredentialsUnavailableError(`the SAS of integration "${this.#integrationId}" is not valid before ${this.parsed.startsOn.toISOString()}`, { ...options, retryable: true });
    }
    if (!sasAllows(this.parsed, operation)) {
      throw new CredentialsUnavailableError(`the SAS of integration "${this.#integrationId}" does not allow assetlink to ${describeSasNeed(operation)}`, options);
    }
    return this.#query;
  }

  toString(): string { return REDACTED; }
  toJSON(): Record<string, unknown> { return { kind: 'sas', resource: this.parsed.resource, permissions: [...this.parsed.permissions].join(''), expiresOn: this.parsed.expiresOn.toISOString() }; }
  [inspectSymbol](): string { return `CustomerSas ${JSON.stringify(this.toJSON())}`; }
}
