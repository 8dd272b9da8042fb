import {
  AccessDeniedError, AssetLinkError, BlockedHostError, BodyTooLargeError, InvalidArgumentError, InvalidTtlError, NotFoundError, ProviderError, TimeoutError,
  type AssetLinkErrorOptions,
} from '../errors.js';

/** Where a failure happened, for the error's `uri` (already query-free) and `integrationId`. */
export interface ErrorContext { uri: string; integrationId: string }

/**
 * Maps a final (non-redirect) HTTP status to the contract's codes. `display` never carries the
 * query, so signatures cannot reach a message. Response bodies are not echoed either: a hostile
 * server could put anything there.
 */
export function statusError(status: number, display: string, ctx: ErrorContext): AssetLinkError {
  const opts = { uri: ctx.uri, integrationId: ctx.integrationId };
  if (status === 404 || status === 410) return new NotFoundError(`NOT_FOUND: ${display} answered ${status}`, opts);
  if (status === 401 || status === 403) return new AccessDeniedError(`ACCESS_DENIED: ${display} answered ${status}; the host refused the request (an expired or tampered pre-signed URL also gives 403)`, opts);
  if (status === 416) return new InvalidArgumentError(`INVALID_ARGUMENT: ${display} answered 416: the range starts beyond the end of the object`, opts);
  if (status === 408 || status === 429 || status >= 500) return new ProviderError(`PROVIDER_ERROR: ${display} answered ${status}; retry later`, { ...opts, retryable: true });
  if (status >= 300 && status < 400) return new ProviderError(`PROVIDER_ERROR: ${display} answered ${status} without a usable Location header`, opts);
  return new ProviderError(`PROVIDER_ERROR: ${display} answered an unexpected ${status}`, opts);
}

const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

/** A socket, DNS or TLS failure as PROVIDER_ERROR; assetlink errors pass through unchanged. */
export function networkError(error: unknown, display: string, ctx: ErrorContext): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const code = (error as { code?: unknown }).code;
  const label = typeof code === 'string' ? code : (error as Error)?.name ?? 'error';
  const opts = { uri: ctx.uri, integrationId: ctx.integrationId, cause: error };
  if (code === 'ENOTFOUND') return new ProviderError(`PROVIDER_ERROR: ${display}: the host name does not resolve`, opts);
  return new ProviderError(`PROVIDER_ERROR: ${display}: request failed (${label})`, { ...opts, retryable: RETRYABLE_NETWORK.has(label) });
}

type Ctor = new (message: string, options?: AssetLinkErrorOptions) => AssetLinkError;
const BY_CODE: Partial<Record<AssetLinkError['code'], Ctor>> = {
  BLOCKED_HOST: BlockedHostError, PROVIDER_ERROR: ProviderError, TIMEOUT: TimeoutError, NOT_FOUND: NotFoundError,
  ACCESS_DENIED: AccessDeniedError, INVALID_ARGUMENT: InvalidArgumentError, INVALID_TTL: InvalidTtlError,
  BODY_TOO_LARGE: BodyTooLargeError,
};

/**
 * The guard's helpers throw before they know which asset they serve; this stamps the asset's
 * `uri` and `integrationId` on such an error, keeping its class, code and retryability.
 */
export function withContext(error: unknown, ctx: ErrorContext): unknown {
  if (!(error instanceof AssetLinkError) || error.uri !== undefined) return error;
  const Class = BY_CODE[error.code];
  if (Class === undefined) return error;
  return new Class(error.message, {
    uri: ctx.uri, integrationId: ctx.integrationId, retryable: error.retryable,
    ...(error.cause !== undefined ? { cause: error.cause } : {}),
  });
}
