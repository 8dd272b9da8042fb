/**
 * Query parameters that carry a signature or a credential. Names are matched case-insensitively
 * because S3 accepts `x-amz-signature` as readily as `X-Amz-Signature`.
 */
const SECRET_PARAMS = new Set([
  'x-amz-signature',
  'x-amz-credential',
  'x-amz-security-token',
  'x-goog-signature',
  'x-goog-credential',
  'sig',
  'signature',
  'awsaccesskeyid',
  'googleaccessid',
  'x-assetlink-signature',
]);

export const REDACTED = '[REDACTED]';

/** Redacts signature-bearing query parameters in every URL-like run inside `text`. */
export function redactUrl(text: string): string {
  return text.replace(/([?&])([^=&#\s"'<>]+)=([^&#\s"'<>]*)/g, (whole, sep: string, name: string) => {
    let decoded = name;
    try { decoded = decodeURIComponent(name); } catch { /* keep raw */ }
    return SECRET_PARAMS.has(decoded.toLowerCase()) ? `${sep}${name}=${REDACTED}` : whole;
  });
}

/** Custom inspect symbol understood by Node's util.inspect, without importing node:util. */
export const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * A secret value. Printing, inspecting or serialising it yields `[REDACTED]`; only `reveal()`
 * hands out the value, so every place that uses a secret is greppable.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) { this.#value = value; }
  reveal(): string { return this.#value; }
  toString(): string { return REDACTED; }
  toJSON(): string { return REDACTED; }
  [inspectSymbol](): string { return REDACTED; }
}
