import { randomBytes } from 'node:crypto';

/**
 * A new ExternalId for an assume-role integration: 32 random bytes, base64url (43 characters of
 * A–Z a–z 0–9 - _, all valid in `sts:ExternalId`).
 *
 * The platform must choose it, never the customer: the ExternalId is what stops the "confused
 * deputy". If customers could type their own, customer B could enter customer A's role ARN and
 * A's (guessable, or copied) ExternalId into the platform, and the platform — which A trusts —
 * would assume A's role on B's behalf. When the platform generates an unguessable value per
 * integration and shows it to the customer to paste into their trust policy, only the integration
 * the customer created can ever present it.
 */
export function generateExternalId(): string {
  return randomBytes(32).toString('base64url');
}
