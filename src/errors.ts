import { redactUrl } from './redact.js';

/** Stable codes callers switch on. Documented one by one in docs/errors.md. */
export const ERROR_CODES = [
  'INVALID_URI',
  'UNSUPPORTED_URI',
  'NO_INTEGRATION',
  'OUT_OF_SCOPE',
  'READ_ONLY',
  'INVALID_INTEGRATION',
  'INVALID_TTL',
  'CREDENTIALS_UNAVAILABLE',
  'ACCESS_DENIED',
  'NOT_FOUND',
  'BLOCKED_HOST',
  'PROVIDER_ERROR',
  'MISSING_DEPENDENCY',
  'TIMEOUT',
  'INVALID_ARGUMENT',
  'ALREADY_EXISTS',
  'BODY_TOO_LARGE',
  'INTEGRATION_DISABLED',
  'ABORTED',
  'PRESIGN_UNSUPPORTED',
  'VEND_UNSUPPORTED',
] as const;

/** One of `ERROR_CODES`: what callers switch on. */
export type AssetLinkErrorCode = (typeof ERROR_CODES)[number];

export interface AssetLinkErrorOptions {
  retryable?: boolean;
  integrationId?: string;
  uri?: string;
  cause?: unknown;
}

/**
 * Marks assetlink errors across copies of the package: an application that loads both the ESM and
 * the CommonJS build (the dual-package hazard) has two AssetLinkError classes; `Symbol.for` is
 * shared by both, so `isAssetLinkError` and `instanceof AssetLinkError` recognise either.
 */
const BRAND = Symbol.for('assetlink.AssetLinkError');

/**
 * The one error type assetlink throws. `code` is the contract; messages are for people.
 * The `uri` and the message are stored with signatures redacted, so a presigned URL never leaks
 * through an error — not even when a message quotes a key or an underlying error's text.
 */
export class AssetLinkError extends Error {
  readonly code: AssetLinkErrorCode;
  readonly retryable: boolean;
  readonly integrationId?: string;
  readonly uri?: string;

  constructor(code: AssetLinkErrorCode, message: string, options: AssetLinkErrorOptions = {}) {
    super(redactUrl(message), options.cause === undefined ? undefined : { cause: sanitizeCause(options.cause) });
    this.name = 'AssetLinkError';
    Object.defineProperty(this, BRAND, { value: true });
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.integrationId !== undefined) this.integrationId = options.integrationId;
    if (options.uri !== undefined) this.uri = redactUrl(options.uri);
  }

  /** True for an AssetLinkError of any copy of assetlink (ESM or CommonJS build); see `isAssetLinkError`. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    // Subclasses keep the ordinary prototype check; across copies, switch on `code` instead.
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return this === AssetLinkError && isAssetLinkError(value);
  }

  /** Code, message, retryable, integration id and redacted URI — never a secret or a raw SDK error. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      integrationId: this.integrationId,
      uri: this.uri,
    };
  }
}

/** Raw SDK errors can echo signed URLs or request headers; keep only their name, code and a redacted message. */
function sanitizeCause(cause: unknown): unknown {
  if (cause instanceof AssetLinkError) return cause;
  if (cause instanceof Error) {
    const safe = new Error(redactUrl(cause.message));
    safe.name = cause.name;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') (safe as Error & { code?: string }).code = code;
    const status = (cause as { $metadata?: { httpStatusCode?: number }; statusCode?: number; status?: number });
    const httpStatus = status.$metadata?.httpStatusCode ?? status.statusCode ?? status.status;
    if (typeof httpStatus === 'number') (safe as Error & { status?: number }).status = httpStatus;
    safe.stack = `${safe.name}: ${safe.message}`;
    return safe;
  }
  return typeof cause === 'string' ? redactUrl(cause) : undefined;
}

/** `INVALID_URI`: the URI is malformed or names an invalid bucket, container or account. */
export class InvalidUriError extends AssetLinkError {
  declare readonly code: 'INVALID_URI';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INVALID_URI', message, options); }
}
/** `UNSUPPORTED_URI`: a well-formed URI of a kind assetlink does not handle. */
export class UnsupportedUriError extends AssetLinkError {
  declare readonly code: 'UNSUPPORTED_URI';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('UNSUPPORTED_URI', message, options); }
}
/** `NO_INTEGRATION`: no registered integration covers the URI (or the id is unknown). */
export class NoIntegrationError extends AssetLinkError {
  declare readonly code: 'NO_INTEGRATION';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('NO_INTEGRATION', message, options); }
}
/** `OUT_OF_SCOPE`: the named integration does not cover the URI (other bucket, or outside its prefix). */
export class OutOfScopeError extends AssetLinkError {
  declare readonly code: 'OUT_OF_SCOPE';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('OUT_OF_SCOPE', message, options); }
}
/** `READ_ONLY`: a write, delete or PUT URL through a read-only integration. */
export class ReadOnlyError extends AssetLinkError {
  declare readonly code: 'READ_ONLY';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('READ_ONLY', message, options); }
}
/** `INVALID_INTEGRATION`: an integration (or platform option) is invalid; `field` names the offending field. */
export class InvalidIntegrationError extends AssetLinkError {
  declare readonly code: 'INVALID_INTEGRATION';
  /** Dotted path of the offending field, e.g. `auth.roleArn`. */
  readonly field: string;
  /** With `options.integrationId` the message names the integration: `integration "acme": auth.roleArn: …`. */
  constructor(field: string, message: string, options?: AssetLinkErrorOptions) {
    const which = options?.integrationId !== undefined ? `integration ${JSON.stringify(options.integrationId)}: ` : '';
    super('INVALID_INTEGRATION', `${which}${field}: ${message}`, options);
    this.field = field;
  }
}
/** `INVALID_TTL`: a presign TTL that is not a positive whole number, or longer than the credentials or the provider allow. */
export class InvalidTtlError extends AssetLinkError {
  declare readonly code: 'INVALID_TTL';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INVALID_TTL', message, options); }
}
/** `CREDENTIALS_UNAVAILABLE`: delegated credentials could not be obtained (token service down, platform identity missing); `retryable` says whether to try again. */
export class CredentialsUnavailableError extends AssetLinkError {
  declare readonly code: 'CREDENTIALS_UNAVAILABLE';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('CREDENTIALS_UNAVAILABLE', message, options); }
}
/** `ACCESS_DENIED`: the cloud refused the credentials or the operation (trust policy, ExternalId, bucket policy, role grants). */
export class AccessDeniedError extends AssetLinkError {
  declare readonly code: 'ACCESS_DENIED';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('ACCESS_DENIED', message, options); }
}
/** `NOT_FOUND`: the object (or bucket) does not exist. */
export class NotFoundError extends AssetLinkError {
  declare readonly code: 'NOT_FOUND';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('NOT_FOUND', message, options); }
}
/** `BLOCKED_HOST`: an https URL (or redirect) to a host, address or port the SSRF guard refuses. */
export class BlockedHostError extends AssetLinkError {
  declare readonly code: 'BLOCKED_HOST';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('BLOCKED_HOST', message, options); }
}
/** `PROVIDER_ERROR`: any other provider failure; `retryable` for throttling and 5xx. */
export class ProviderError extends AssetLinkError {
  declare readonly code: 'PROVIDER_ERROR';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('PROVIDER_ERROR', message, options); }
}
/** `MISSING_DEPENDENCY`: optional packages an integration needs are not installed; the message names them all and the install command. */
export class MissingDependencyError extends AssetLinkError {
  declare readonly code: 'MISSING_DEPENDENCY';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('MISSING_DEPENDENCY', message, options); }
}
/** `TIMEOUT`: a provider or token service did not answer within `requestTimeoutMs`. Retryable. */
export class TimeoutError extends AssetLinkError {
  declare readonly code: 'TIMEOUT';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('TIMEOUT', message, { retryable: true, ...options }); }
}

/** `INVALID_ARGUMENT`: a bad argument to an assetlink function (a range, a body, a closed resolver, a CLI option). */
export class InvalidArgumentError extends AssetLinkError {
  declare readonly code: 'INVALID_ARGUMENT';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INVALID_ARGUMENT', message, options); }
}

/** A create-only write (verify's probe) found an object already at the key; nothing was written. */
export class AlreadyExistsError extends AssetLinkError {
  declare readonly code: 'ALREADY_EXISTS';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('ALREADY_EXISTS', message, options); }
}

/** A response body was larger than the configured limit (`https` `maxBodyBytes`). */
export class BodyTooLargeError extends AssetLinkError {
  declare readonly code: 'BODY_TOO_LARGE';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('BODY_TOO_LARGE', message, options); }
}
/** The integration is registered with `disabled: true`: every operation through it is refused. */
export class IntegrationDisabledError extends AssetLinkError {
  declare readonly code: 'INTEGRATION_DISABLED';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INTEGRATION_DISABLED', message, options); }
}

/**
 * `NO_INTEGRATION` for a call that must go through a tenant view: a root call matching by scope
 * under `requireTenant`, or one that only tenant-bound integrations could serve.
 */
export class TenantRequiredError extends NoIntegrationError {}

/** An operation stopped by its AbortSignal. */
export class AbortedError extends AssetLinkError {
  declare readonly code: 'ABORTED';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('ABORTED', message, options); }
}

/** `vend` cannot hand out credentials as narrow as asked for this integration (docs/vending.md): it refuses rather than vend wider access. */
export class VendUnsupportedError extends AssetLinkError {
  declare readonly code: 'VEND_UNSUPPORTED';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('VEND_UNSUPPORTED', message, options); }
}

/**
 * Whether `value` is an AssetLinkError — from this copy of assetlink or another one (an ESM and a
 * CommonJS copy loaded in one process). Pass `code` to also check the code.
 */
export function isAssetLinkError(value: unknown, code?: AssetLinkErrorCode): value is AssetLinkError {
  if (typeof value !== 'object' || value === null || (value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as { code?: unknown }).code === code;
}
/** The integration's auth kind cannot issue presigned URLs without exceeding its scope (GCP `cross-project`). */
export class PresignUnsupportedError extends AssetLinkError {
  declare readonly code: 'PRESIGN_UNSUPPORTED';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('PRESIGN_UNSUPPORTED', message, options); }
}
