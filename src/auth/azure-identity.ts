import type https from 'node:https';
import type { AccessToken, ClientSecretCredentialOptions } from '@azure/identity';
import { InvalidIntegrationError } from '../errors.js';
import { missingDependency } from '../optional-import.js';
import type { AzureCloud } from '../types.js';

/*
 * What every Azure token strategy shares (authority per cloud, identity options, the strategy
 * interface). A file of its own so the strategies and the strategy factory (azure-token.ts)
 * import it instead of each other.
 */

/**
 * Token audience for Azure Storage data-plane calls, the same in every cloud (public, China,
 * US Government): Storage's resource id does not change per cloud; only the authority does.
 */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** The Entra authority of each Azure cloud: an app registered in Azure China or US Government signs in there. */
export const AUTHORITY_HOSTS: Readonly<Record<AzureCloud, string>> = {
  public: DEFAULT_AUTHORITY_HOST,
  china: 'https://login.chinacloudapi.cn',
  usgov: 'https://login.microsoftonline.us',
};

export type IdentityModule = typeof import('@azure/identity');

/** How @azure/identity credentials reach the token service. */
export interface AzureCredentialOptions {
  /** https authority host; default: the authority of `cloud` (https://login.microsoftonline.com for public). */
  authorityHost?: string;
  /** The integration's cloud (`scope.cloud`), which picks the default authority. */
  cloud?: AzureCloud;
  /** Agent trusting the test CA (platform.azure.ca), or undefined for the default agent. */
  agent?: https.Agent;
  /** Give up on a token-service request with no response after this long, ms. */
  requestTimeoutMs?: number;
}

/** One way of getting an Entra access token for a customer's app registration. */
export interface AzureTokenStrategy {
  readonly tenantId: string;
  readonly clientId: string;
  /** Asks Entra for a new token (no caching here: the caller caches). */
  fetchToken(scope: string): Promise<AccessToken>;
  /**
   * Drops the SDK credential after a retryable failure. MSAL throttles a credential for 60 s after
   * any 429/5xx (identity hands it lower-cased headers, so Retry-After is never seen), which would
   * turn every retry of the credential cache into a local failure; a fresh credential lets the
   * cache's bounded, jittered backoff decide instead.
   */
  reset(): void;
}

export async function loadIdentity(): Promise<IdentityModule> {
  return import('@azure/identity').catch(missingDependency('@azure/identity'));
}

/**
 * Options shared by ClientSecretCredential and ClientAssertionCredential. Instance discovery is
 * off (it would call the public cloud's discovery endpoint, and the authority is explicit anyway);
 * the SDK's own retries are off because the credential cache retries with backoff.
 */
export function identityOptions(options: AzureCredentialOptions): ClientSecretCredentialOptions {
  const authorityHost = options.authorityHost ?? AUTHORITY_HOSTS[options.cloud ?? 'public'];
  if (!/^https:\/\//i.test(authorityHost)) {
    throw new InvalidIntegrationError('platform.azure.authorityHost', 'must be an https URL: client secrets and assertions never travel in clear text');
  }
  const timeoutMs = options.requestTimeoutMs;
  return {
    authorityHost,
    disableInstanceDiscovery: true,
    retryOptions: { maxRetries: 0 },
    ...(options.agent ? { agent: options.agent } : {}),
    // A hung token service must not hang every operation behind it.
    ...(timeoutMs ? {
      additionalPolicies: [{
        position: 'perCall' as const,
        policy: { name: 'assetlinkRequestTimeout', sendRequest: (request, next) => { request.timeout ||= timeoutMs; return next(request); } },
      }],
    } : {}),
  };
}

