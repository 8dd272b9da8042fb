import { AccessDeniedError, AssetLinkError, CredentialsUnavailableError } from '../errors.js';

export interface EntraErrorContext {
  integrationId: string;
  tenantId: string;
  clientId: string;
}

/** OAuth error codes that mean "these credentials are wrong or not allowed", not "try later". */
const REFUSED = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant', 'access_denied']);
const RETRYABLE = new Set(['server_error', 'temporarily_unavailable']);

/** AADSTS codes for refused credentials, with hints for the ones customers hit during setup. */
const REFUSED_CODES: Record<string, string> = {
  '7000215': 'the client secret is wrong (use the secret value, not its id)',
  '7000222': 'the client secret has expired; create a new one',
  '7000216': 'no client secret or assertion was sent',
  '7000219': 'the client assertion type is wrong',
  '700016': 'no app registration with this client id exists in the tenant, or it is not consented there',
  '700211': 'no federated credential on the app registration matches the assertion issuer',
  '700212': 'no federated credential on the app registration matches the assertion audience',
  '700213': 'no federated credential on the app registration matches the assertion subject',
  '700024': 'the client assertion has expired or is not yet valid',
  '50012': 'the client assertion signature could not be verified',
  '50027': 'the client assertion is not a valid JWT',
  '700027': 'the certificate is not registered on the app registration (or has expired, or its signature did not verify); with subject name/issuer authentication set sendCertificateChain',
  '700021': 'the client assertion names the wrong audience (token endpoint)',
  '700023': 'the client assertion issuer/subject is not the client id',
};
const NOT_RETRYABLE_CODES: Record<string, string> = {
  '90002': 'the tenant does not exist',
  '70011': 'the requested scope is not valid',
};

/**
 * Turns an @azure/identity failure into a typed error. Identity reports Entra's answer only as
 * text ("invalid_client: Error(s): 7000215 - ... AADSTS7000215: ...", or "90033: AADSTS90033: ..."
 * while MSAL is holding off after a 429/5xx), so the OAuth error and AADSTS code are read from it.
 * The message built here carries neither the secret nor the assertion, and the raw identity error
 * is not attached (its text can quote request parameters).
 *
 * 429 and 5xx answers are retryable. MSAL throttles them itself per credential (Retry-After, or
 * 60 s), so retries inside that window are answered locally and Entra is not hammered.
 */
export function mapEntraError(error: unknown, ctx: EntraErrorContext): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const text = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const oauth = /^([a-z_]+): Error\(s\): /.exec(text)?.[1];
  const aadsts = /AADSTS(\d+)/.exec(text)?.[1] ?? /Error\(s\): (\d+)/.exec(text)?.[1];
  const who = `app ${ctx.clientId} in tenant ${ctx.tenantId}`;
  const detail = [oauth, aadsts ? `AADSTS${aadsts}` : undefined].filter(Boolean).join(' ');
  const options = { integrationId: ctx.integrationId };

  const refusedHint = aadsts !== undefined ? REFUSED_CODES[aadsts] : undefined;
  if ((oauth !== undefined && REFUSED.has(oauth)) || refusedHint !== undefined) {
    return new AccessDeniedError(`Microsoft Entra refused the credentials of ${who}: ${detail}${refusedHint ? ` — ${refusedHint}` : ''}`, options);
  }
  const fatalHint = aadsts !== undefined ? NOT_RETRYABLE_CODES[aadsts] : undefined;
  if (fatalHint !== undefined || (oauth !== undefined && !RETRYABLE.has(oauth))) {
    return new CredentialsUnavailableError(`Microsoft Entra cannot issue a token for ${who}: ${detail}${fatalHint ? ` — ${fatalHint}` : ''}`, options);
  }
  const reason = detail !== '' ? `${detail} (throttled or failing; retry later)`
    : name === 'CredentialUnavailableError' ? 'token service unreachable' : 'token request failed';
  return new CredentialsUnavailableError(`could not get a token from Microsoft Entra for ${who}: ${reason}`, { ...options, retryable: true });
}
