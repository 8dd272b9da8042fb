import { InvalidIntegrationError } from '../errors.js';
import type { IntegrationCommon, SecretValue } from '../types.js';

/**
 * Validation of the fields every integration kind shares (`tenant`, `disabled`, `labels`), of
 * wildcard scopes, and of secret fields that may be callbacks. Kept apart from validate.ts, which
 * checks each provider's own fields.
 */

/** `scope.bucket` of an AWS or GCP integration that covers any bucket of its tenant. */
export const WILDCARD = '*';

/** Same alphabet as integration ids: no `|`, so a tenant can prefix cache keys unambiguously. */
export const TENANT = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,62}$/;
const MAX_LABELS = 32;
const MAX_LABEL_VALUE = 256;

type Dict = Record<string, unknown>;
const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isValidTenant(value: unknown): value is string {
  return typeof value === 'string' && TENANT.test(value);
}

/** `tenant`, `disabled` and `labels`, validated and copied (labels frozen: they are handed out as is). */
export function commonFields(raw: Dict): IntegrationCommon {
  const out: IntegrationCommon = {};
  if (raw.tenant !== undefined) {
    if (!isValidTenant(raw.tenant)) fail('tenant', 'must be 1–128 of letters, digits and . _ : @ / -, starting with a letter or digit');
    out.tenant = raw.tenant as string;
  }
  if (raw.disabled !== undefined) {
    if (typeof raw.disabled !== 'boolean') fail('disabled', 'must be true or false');
    if (raw.disabled) out.disabled = true;
  }
  if (raw.labels !== undefined) {
    if (!isDict(raw.labels)) fail('labels', 'must be an object of string values, e.g. { "plan": "enterprise" }');
    const entries = Object.entries(raw.labels as Dict);
    if (entries.length > MAX_LABELS) fail('labels', `must have at most ${MAX_LABELS} entries`);
    const labels: Record<string, string> = {};
    for (const [key, value] of entries) {
      if (!LABEL_KEY.test(key)) fail(`labels.${key.slice(0, 64)}`, 'label names are 1–63 of letters, digits and . _ : / -, starting with a letter or digit');
      if (typeof value !== 'string' || value.length > MAX_LABEL_VALUE) fail(`labels.${key}`, `must be a string of at most ${MAX_LABEL_VALUE} characters`);
      labels[key] = value as string;
    }
    if (entries.length > 0) out.labels = Object.freeze(labels) as Record<string, string>;
  }
  return out;
}

/**
 * A wildcard scope reaches whatever the customer's identity can reach, so it is bound to one
 * tenant and only ever matched inside that tenant's view. The platform's own identity
 * (`cross-account`) can reach every customer that granted it: a wildcard there would let one
 * tenant reach another's bucket, so it is refused outright.
 */
export function requireTenantForWildcard(base: IntegrationCommon, wildcard: boolean, authKind: string): void {
  if (!wildcard) return;
  if (base.tenant === undefined) {
    fail('tenant', 'is required for a wildcard scope (bucket "*" or an Azure scope without container): such an integration may only ever be used for its own tenant');
  }
  if (authKind === 'cross-account' || authKind === 'cross-project') {
    fail('scope.bucket', `cannot be "*" with auth kind "${authKind}": the platform identity reaches every customer that granted it, so it needs one named bucket per integration`);
  }
  if (authKind === 'anonymous') fail('scope.bucket', 'cannot be "*" with auth kind "anonymous": name the public bucket (or container)');
}

/** A secret field: a non-empty string (checked by `asString`) or a function returning one when credentials are minted. */
export function secretField(obj: Dict, field: string, where: string, asString: (obj: Dict, field: string, where: string) => string): SecretValue {
  const value = obj[field];
  if (typeof value === 'function') return value as () => Promise<string>;
  return asString(obj, field, where);
}
