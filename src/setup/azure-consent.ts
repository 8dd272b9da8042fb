import { InvalidArgumentError } from '../errors.js';
import type { AzureCloud } from '../types.js';

/** Options of `azureAdminConsentUrl`. */
export interface AzureAdminConsentOptions {
  /** The platform's multi-tenant app (application/client ID, a GUID). */
  clientId: string;
  /** The customer's tenant (GUID or verified domain). Omitted: `organizations` (the admin picks their tenant when signing in). */
  tenantId?: string;
  /** Where Entra sends the admin back (`?admin_consent=True&tenant=...`); must be a redirect URI registered on the app. https, or http://localhost for development. */
  redirectUri: string;
  /** The customer's Azure cloud; picks the Entra authority. Default `public`. */
  cloud?: AzureCloud;
  /** Opaque value echoed back on the redirect (tie the answer to the platform's own session; never a secret). */
  state?: string;
}

const AUTHORITIES: Readonly<Record<AzureCloud, string>> = {
  public: 'https://login.microsoftonline.com',
  china: 'https://login.chinacloudapi.cn',
  usgov: 'https://login.microsoftonline.us',
};
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANT_DOMAIN = /^[a-z0-9][a-z0-9.-]{1,253}[a-z0-9]$/i;

/**
 * The "Connect to Azure" link (Scale, Segments.ai): a customer's administrator opens it, signs in,
 * and consents to the platform's multi-tenant app, which creates its service principal in their
 * tenant. The customer then assigns it a storage role (`generateSetup` writes that command).
 * `https://{authority}/{tenant|organizations}/adminconsent?client_id=…&redirect_uri=…[&state=…]`.
 * Pure: no network.
 */
export function azureAdminConsentUrl(options: AzureAdminConsentOptions): string {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('azureAdminConsentUrl needs { clientId, redirectUri }');
  const { clientId, tenantId, redirectUri, cloud = 'public', state } = options;
  if (typeof clientId !== 'string' || !GUID.test(clientId)) throw new InvalidArgumentError('clientId must be the platform app\'s application (client) ID, a GUID');
  if (tenantId !== undefined && !(typeof tenantId === 'string' && (GUID.test(tenantId) || TENANT_DOMAIN.test(tenantId)))) {
    throw new InvalidArgumentError('tenantId must be a tenant GUID or domain (or omitted for "organizations")');
  }
  const authority = AUTHORITIES[cloud];
  if (authority === undefined) throw new InvalidArgumentError('cloud must be "public", "china" or "usgov"');
  let redirect: URL;
  try {
    redirect = new URL(redirectUri);
  } catch {
    throw new InvalidArgumentError('redirectUri must be an absolute URL registered as a redirect URI of the app');
  }
  const local = redirect.protocol === 'http:' && (redirect.hostname === 'localhost' || redirect.hostname === '127.0.0.1');
  if (redirect.protocol !== 'https:' && !local) throw new InvalidArgumentError('redirectUri must be https (http only for localhost)');
  if (redirect.hash) throw new InvalidArgumentError('redirectUri must not have a fragment');
  if (state !== undefined && (typeof state !== 'string' || state.length > 2048)) throw new InvalidArgumentError('state must be a string of at most 2048 characters');
  const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, ...(state !== undefined ? { state } : {}) });
  return `${authority}/${encodeURIComponent(tenantId ?? 'organizations')}/adminconsent?${query.toString()}`;
}
