import { InvalidArgumentError } from '../errors.js';

/**
 * JSON and YAML have no dates, and the library takes `auth.expiresAt` of an `access-key`
 * integration as a `Date`: the config loader turns an ISO 8601 string there into one. Only full
 * timestamps with a zone (`2030-01-01T00:00:00Z`, `…+02:00`) are accepted: a date without a zone
 * would be read in the machine's local time, and the key would seem valid for hours too long or too short.
 * Anything else is left as it is, for validation to refuse with the field's name.
 */
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

export function reviveConfigDates(integrations: unknown[]): unknown[] {
  return integrations.map((integration, index) => {
    if (typeof integration !== 'object' || integration === null) return integration;
    const auth = (integration as { auth?: unknown }).auth;
    if (typeof auth !== 'object' || auth === null) return integration;
    const expiresAt = (auth as { expiresAt?: unknown }).expiresAt;
    if (typeof expiresAt !== 'string') return integration;
    const ms = ISO_TIMESTAMP.test(expiresAt) ? Date.parse(expiresAt) : Number.NaN;
    if (!Number.isFinite(ms)) {
      throw new InvalidArgumentError(`config integrations[${index}].auth.expiresAt must be an ISO 8601 timestamp with a time zone, such as "2030-01-01T00:00:00Z"`);
    }
    return { ...integration, auth: { ...auth, expiresAt: new Date(ms) } };
  });
}
