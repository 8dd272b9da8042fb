import { accessBoundaryFor, DEFAULT_STS_ENDPOINT, describeBoundary, downscopeToken } from '../../auth/gcp-access-boundary.js';
import { platformIdentity, type PlatformIdentity } from '../../auth/gcp-platform-identity.js';
import { DEFAULT_IAM_ENDPOINT, generateAccessToken, signBlob, type ImpersonationOptions } from '../../auth/impersonation.js';
import { serviceAccountKeyFor, type ServiceAccountKey } from '../../auth/service-account-key.js';
import { isSecretCallback, readSecret } from '../../auth/secret-value.js';
import { crossProjectToken, platformSourceToken } from '../../auth/cross-project.js';
import { ANONYMOUS_DETAIL } from '../../auth/anonymous.js';
import { CredentialsUnavailableError, PresignUnsupportedError } from '../../errors.js';
import type { RegisteredIntegration } from '../../integrations/registered.js';
import type { GcpIntegration, Mode } from '../../types.js';
import type { DriverContext } from '../driver.js';
import type { FetchLike } from '../../net/proxy-fetch.js';
import { gcpEgress } from './proxy.js';

/**
 * Access tokens and signers for GCP integrations. Tokens go through the shared credential cache,
 * keyed by integration, mode, OAuth scope and boundary, so concurrent cold callers share one
 * IAM (and STS) round trip and a read-only integration never borrows a read-write token.
 */

export type GcpConfig = Omit<GcpIntegration, 'mode'> & { mode: Mode };
export type GcpRegistered = RegisteredIntegration<GcpConfig>;

export const STORAGE_SCOPES: Record<Mode, string> = {
  'read-only': 'https://www.googleapis.com/auth/devstorage.read_only',
  'read-write': 'https://www.googleapis.com/auth/devstorage.read_write',
};

/** Self-signed JWT and impersonated token lifetime. */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

/** What the cache holds: JSON-serialisable, so a shared (encrypted) store can hold it too. */
export interface StorageCredential {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface UrlSigner {
  /** Service account the signature is made as (X-Goog-Credential). */
  email: string;
  /** True when each signature costs a network call (IAM signBlob). */
  remote: boolean;
  sign(stringToSign: string): Promise<Uint8Array>;
}

export class GcpCredentials {
  readonly #ctx: DriverContext;
  #identity: PlatformIdentity | undefined;
  #sourceToken: PlatformIdentity | undefined;

  constructor(ctx: DriverContext) {
    this.#ctx = ctx;
  }

  get #options() { return this.#ctx.platform.gcp ?? {}; }

  /** The platform identity is only built (and ADC only loaded) when an impersonation needs it. */
  #platform(): PlatformIdentity {
    this.#identity ??= platformIdentity(this.#ctx.platform.gcp, this.#ctx.now, gcpEgress(this.#ctx)?.agent);
    return this.#identity;
  }

  #impersonationOptions(integration: GcpRegistered): ImpersonationOptions {
    return {
      iamEndpoint: this.#options.iamEndpoint ?? DEFAULT_IAM_ENDPOINT,
      identity: this.#platform(),
      integrationId: integration.id,
      timeoutMs: this.#ctx.requestTimeoutMs,
      ...this.#fetch(),
    };
  }

  /** `platform.proxy`'s fetch when it covers gcp (every IAM and STS call goes through it). */
  #fetch(): { fetch?: FetchLike } {
    const egress = gcpEgress(this.#ctx);
    return egress ? { fetch: egress.fetch } : {};
  }

  /** How impersonation calls of this integration are made (IAM endpoint, platform identity); for vending. */
  impersonation(integration: GcpRegistered): ImpersonationOptions { return this.#impersonationOptions(integration); }

  #boundaryEnabled(integration: GcpRegistered): boolean {
    // cross-project: always, whatever the option says (src/auth/cross-project.ts).
    if (integration.config.auth.kind === 'cross-project') return true;
    return integration.config.auth.kind === 'impersonation' && this.#options.credentialAccessBoundary !== false;
  }

  /** Cache key; starts with the integration's cache namespace (`${id}|…`) so removing it drops the entry. */
  cacheKey(integration: GcpRegistered): string {
    const { mode, scope, auth } = integration.config;
    const boundary = this.#boundaryEnabled(integration) ? describeBoundary(scope, mode) : 'no-boundary';
    return `${integration.cacheNamespace}|gcp|${auth.kind}|${mode}|${STORAGE_SCOPES[mode]}|${boundary}`;
  }

  /** A bearer token for the JSON API, minted at most once at a time per key. */
  async storageToken(integration: GcpRegistered): Promise<string> {
    return (await this.storageCredential(integration)).token;
  }

  /** The token with its expiry (epoch ms) and a description of what it may do, for verification. */
  async storageCredential(integration: GcpRegistered): Promise<StorageCredential> {
    const { mode, scope } = integration.config;
    const info = {
      integrationId: integration.id,
      scope: `${STORAGE_SCOPES[mode].replace(/^.*\//, '')} on gs://${scope.bucket}/${scope.prefix ? `${scope.prefix}/` : ''}${this.#boundaryEnabled(integration) ? ' (access boundary)' : ''}`,
    };
    return this.#ctx.cache.get<StorageCredential>(this.cacheKey(integration), info, () => this.#mint(integration));
  }

  /** What the integration's token is limited to, in words (no token material). */
  describe(integration: GcpRegistered): string {
    const { auth, mode, scope } = integration.config;
    if (auth.kind === 'anonymous') return ANONYMOUS_DETAIL;
    const who = auth.kind === 'impersonation'
      ? `impersonating ${auth.serviceAccount}${auth.delegates?.length ? ` via ${auth.delegates.join(' → ')}` : ''}`
      : auth.kind === 'cross-project' ? 'the platform identity (cross-project)' : `key of ${auth.credentials.client_email}`;
    const where = `gs://${scope.bucket}/${scope.prefix ? `${scope.prefix}/` : ''}`;
    return `${who}, scope ${STORAGE_SCOPES[mode].replace(/^.*\//, '')}${this.#boundaryEnabled(integration) ? `, access boundary ${where}` : ''}`;
  }

  /** Forget a token GCS refused as invalid (revoked, or its key was deleted); a vault-held key is read again. */
  invalidate(integration: GcpRegistered): void {
    this.#ctx.cache.invalidate(this.cacheKey(integration));
    const { auth } = integration.config;
    if (auth.kind === 'service-account-key') vaultKeys.delete(auth.credentials);
  }

  async #mint(integration: GcpRegistered): Promise<{ value: StorageCredential; expiresAt: number }> {
    const { auth, mode, scope } = integration.config;
    const lifetimeSeconds = this.#options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    if (auth.kind === 'service-account-key') {
      // A scope-limited self-signed JWT: the read-only scope is in the credential itself.
      const key = await keyOf(auth.credentials, integration.id);
      const issuedAt = this.#ctx.now();
      const token = key.selfSignedJwt({ scope: STORAGE_SCOPES[mode], issuedAt, lifetimeSeconds: Math.min(lifetimeSeconds, 3600) });
      const expiresAt = issuedAt + Math.min(lifetimeSeconds, 3600) * 1000;
      return { value: { token, expiresAt }, expiresAt };
    }
    if (auth.kind === 'anonymous') {
      throw new CredentialsUnavailableError(`integration "${integration.id}" is anonymous: it has no token and never borrows one`, { integrationId: integration.id });
    }
    if (auth.kind === 'cross-project') {
      this.#sourceToken ??= platformSourceToken(this.#ctx.platform.gcp, this.#ctx.now, gcpEgress(this.#ctx)?.agent);
      const minted = await crossProjectToken({
        identity: this.#sourceToken, scope, mode,
        ...(this.#options.stsEndpoint ? { stsEndpoint: this.#options.stsEndpoint } : {}),
        integrationId: integration.id, timeoutMs: this.#ctx.requestTimeoutMs, now: this.#ctx.now(),
        ...this.#fetch(),
      });
      return { value: minted, expiresAt: minted.expiresAt };
    }
    const options = this.#impersonationOptions(integration);
    const target = { serviceAccount: auth.serviceAccount, ...(auth.delegates ? { delegates: auth.delegates } : {}) };
    const minted = await generateAccessToken(target, { scope: [STORAGE_SCOPES[mode]], lifetimeSeconds }, options);
    if (!this.#boundaryEnabled(integration)) return { value: minted, expiresAt: minted.expiresAt };
    const downscoped = await downscopeToken({
      stsEndpoint: this.#options.stsEndpoint ?? DEFAULT_STS_ENDPOINT,
      token: minted.token,
      tokenExpiresAt: minted.expiresAt,
      rules: accessBoundaryFor(scope, mode),
      integrationId: integration.id,
      timeoutMs: this.#ctx.requestTimeoutMs,
      now: this.#ctx.now(),
      ...this.#fetch(),
    });
    return { value: downscoped, expiresAt: downscoped.expiresAt };
  }

  /** Signs V4 URLs: locally with a key parsed once, or with IAM signBlob as the impersonated account. */
  signer(integration: GcpRegistered): UrlSigner {
    const { auth } = integration.config;
    if (auth.kind === 'service-account-key') {
      const credentials = auth.credentials;
      return { email: credentials.client_email, remote: false, sign: async (text) => (await keyOf(credentials, integration.id)).sign(text) };
    }
    if (auth.kind === 'cross-project' || auth.kind === 'anonymous') {
      throw new PresignUnsupportedError(
        `integration "${integration.id}" (${auth.kind}) cannot sign URLs: a signature would be made with the platform service account's own key, which no access boundary narrows; read through assetlink instead, or use an impersonation integration`,
        { integrationId: integration.id },
      );
    }
    const target = { serviceAccount: auth.serviceAccount, ...(auth.delegates ? { delegates: auth.delegates } : {}) };
    return { email: auth.serviceAccount, remote: true, sign: (text) => signBlob(target, text, this.#impersonationOptions(integration)) };
  }
}

type KeyCredentials = Extract<GcpConfig['auth'], { kind: 'service-account-key' }>['credentials'];

/**
 * Parsed keys of `private_key` vault callbacks, per credentials object: the callback runs when the
 * first token or signature needs the key, once (a parsed key signs any number of URLs), and again
 * only after GCS refused a token (invalidate) or the callback failed.
 */
const vaultKeys = new WeakMap<object, Promise<ServiceAccountKey>>();

function keyOf(credentials: KeyCredentials, integrationId: string): ServiceAccountKey | Promise<ServiceAccountKey> {
  const privateKey = credentials.private_key;
  // The credentials object itself is the parse cache's key: never pass a copy.
  if (!isSecretCallback(privateKey)) return serviceAccountKeyFor(credentials as { client_email: string; private_key: string });
  let pending = vaultKeys.get(credentials);
  if (!pending) {
    pending = readSecret(privateKey, 'auth.credentials.private_key', { integrationId, describe: `integration "${integrationId}"` })
      .then((pem) => serviceAccountKeyFor({ client_email: credentials.client_email, private_key: pem }));
    vaultKeys.set(credentials, pending);
    pending.catch(() => { if (vaultKeys.get(credentials) === pending) vaultKeys.delete(credentials); });
  }
  return pending;
}
