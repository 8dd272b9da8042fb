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
] as const;

export type AssetLinkErrorCode = (typeof ERROR_CODES)[number];

export interface AssetLinkErrorOptions {
  retryable?: boolean;
  integrationId?: string;
  uri?: string;
  cause?: unknown;
}

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
    this.code = code;
    this.retryable = options.retryable ?? false;
    if (options.integrationId !== undefined) this.integrationId = options.integrationId;
    if (options.uri !== undefined) this.uri = redactUrl(options.uri);
  }

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

export class InvalidUriError extends AssetLinkError {
  declare readonly code: 'INVALID_URI';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INVALID_URI', message, options); }
}
export class UnsupportedUriError extends AssetLinkError {
  declare readonly code: 'UNSUPPORTED_URI';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('UNSUPPORTED_URI', message, options); }
}
export class NoIntegrationError extends AssetLinkError {
  declare readonly code: 'NO_INTEGRATION';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('NO_INTEGRATION', message, options); }
}
export class OutOfScopeError extends AssetLinkError {
  declare readonly code: 'OUT_OF_SCOPE';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('OUT_OF_SCOPE', message, options); }
}
export class ReadOnlyError extends AssetLinkError {
  declare readonly code: 'READ_ONLY';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('READ_ONLY', message, options); }
}
export class InvalidIntegrationError extends AssetLinkError {
  declare readonly code: 'INVALID_INTEGRATION';
  /** Dotted path of the offending field, e.g. `auth.roleArn`. */
  readonly field: string;
  constructor(field: string, message: string, options?: AssetLinkErrorOptions) {
    super('INVALID_INTEGRATION', `${field}: ${message}`, options);
    this.field = field;
  }
}
export class InvalidTtlError extends AssetLinkError {
  declare readonly code: 'INVALID_TTL';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INVALID_TTL', message, options); }
}
export class CredentialsUnavailableError extends AssetLinkError {
  declare readonly code: 'CREDENTIALS_UNAVAILABLE';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('CREDENTIALS_UNAVAILABLE', message, options); }
}
export class AccessDeniedError extends AssetLinkError {
  declare readonly code: 'ACCESS_DENIED';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('ACCESS_DENIED', message, options); }
}
export class NotFoundError extends AssetLinkError {
  declare readonly code: 'NOT_FOUND';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('NOT_FOUND', message, options); }
}
export class BlockedHostError extends AssetLinkError {
  declare readonly code: 'BLOCKED_HOST';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('BLOCKED_HOST', message, options); }
}
export class ProviderError extends AssetLinkError {
  declare readonly code: 'PROVIDER_ERROR';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('PROVIDER_ERROR', message, options); }
}
export class MissingDependencyError extends AssetLinkError {
  declare readonly code: 'MISSING_DEPENDENCY';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('MISSING_DEPENDENCY', message, options); }
}
export class TimeoutError extends AssetLinkError {
  declare readonly code: 'TIMEOUT';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('TIMEOUT', message, { retryable: true, ...options }); }
}

export class InvalidArgumentError extends AssetLinkError {
  declare readonly code: 'INVALID_ARGUMENT';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('INVALID_ARGUMENT', message, options); }
}

/** A create-only write (verify's probe) found an object already at the key; nothing was written. */
export class AlreadyExistsError extends AssetLinkError {
  declare readonly code: 'ALREADY_EXISTS';
  constructor(message: string, options?: AssetLinkErrorOptions) { super('ALREADY_EXISTS', message, options); }
}

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

export function isAssetLinkError(value: unknown): value is AssetLinkError {
  return value instanceof AssetLinkError;
}
