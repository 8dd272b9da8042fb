import { InvalidArgumentError } from '../errors.js';
import { validateIntegration } from '../integrations/validate.js';
import type { Integration } from '../types.js';
import { awsSetup } from './aws.js';
import { azureSetup } from './azure.js';
import { corsMaxAge, normalizeOrigins } from './cors.js';
import { gcpSetup } from './gcp.js';
import type { DraftPlan } from './steps.js';
import type { SetupOptions, SetupPlan, SetupProvider } from './types.js';
import { forWildcardSetup, markBucketPlaceholder } from './wildcard.js';

/**
 * Customer setup generators: for one integration, exactly what the customer must apply in their
 * cloud (IAM/trust/bucket policies, role grants, CORS), as data and as copy-paste text.
 *
 * Pure: no network, no clock, no randomness; the same input gives the same plan.
 */

export type {
  PlatformIdentity, SetupOptions, SetupPlan, SetupProvider, SetupStep, SetupStepKind,
} from './types.js';
export { formatSetup } from './format.js';
export { shellQuote } from './shell.js';
export { azureAdminConsentUrl } from './azure-consent.js';
export type { AzureAdminConsentOptions } from './azure-consent.js';

/** Providers that need customer setup. `memory`, `file` and `https` integrations need none. */
export const SETUP_PROVIDERS: readonly SetupProvider[] = ['aws', 'gcp', 'azure'];

/** Whether `generateSetup` has anything to generate for this integration (`aws`, `gcp` and `azure` do). */
export function supportsSetup(integration: Pick<Integration, 'provider'>): boolean {
  return (SETUP_PROVIDERS as readonly string[]).includes(integration.provider);
}

/**
 * The setup plan for `integration`. The integration is validated first (`INVALID_INTEGRATION`
 * names a bad field); a missing or malformed platform identity, origin or option is
 * `INVALID_ARGUMENT`; `memory`, `file` and `https` integrations are `INVALID_ARGUMENT` too, since
 * there is nothing for a customer to apply (check `supportsSetup` first to avoid it).
 *
 * Secrets in the integration (client secrets, access keys, private keys) never appear in the
 * plan; the AWS ExternalId appears only in the trust policy, where the customer must paste it.
 */
export function generateSetup(integration: Integration, options: SetupOptions = {}): SetupPlan {
  const wildcard = forWildcardSetup(validateIntegration(integration));
  const i = wildcard.integration;
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('setup options must be an object', { integrationId: i.id });
  const origins = normalizeOrigins(options.origins);
  const maxAge = corsMaxAge(options.corsMaxAgeSeconds);
  let draft: DraftPlan;
  switch (i.provider) {
    case 'aws': draft = awsSetup(i, options, origins, maxAge); break;
    case 'gcp': draft = gcpSetup(i, options, origins, maxAge); break;
    case 'azure': draft = azureSetup(i, options, origins, maxAge); break;
    default:
      throw new InvalidArgumentError(
        `integration "${i.id}" is a ${i.provider} integration: there is no customer setup to generate (only aws, gcp and azure integrations have one)`,
        { integrationId: i.id },
      );
  }
  if (wildcard.notes.length) draft = { ...draft, steps: markBucketPlaceholder(draft.steps), notes: [...wildcard.notes, ...draft.notes] };
  const placeholders = [...new Set(draft.steps.flatMap((step) => step.placeholders ?? []))];
  return { ...draft, placeholders };
}
