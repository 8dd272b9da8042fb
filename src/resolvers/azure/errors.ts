import {
  AccessDeniedError, AssetLinkError, InvalidArgumentError, NotFoundError, ProviderError, TimeoutError,
} from '../../errors.js';

export interface StorageErrorContext {
  integrationId: string;
  uri: string;
  /** What was being done, for the message: "read", "write", "get a user delegation key", ... */
  operation: string;
}

/** The fields of @azure/core-rest-pipeline's RestError that the mapping reads. */
interface RestErrorLike {
  name?: string;
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
  message?: string;
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_NETWORK = new Set(['REQUEST_SEND_ERROR', 'ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN']);

/**
 * Maps an Azure Storage failure to the AssetLinkError callers switch on. The message names the
 * storage error code and status only: SDK messages can echo request URLs (with SAS signatures)
 * and headers, so they are never copied; the sanitised cause keeps them for debugging.
 */
export function mapStorageError(error: unknown, ctx: StorageErrorContext): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const e = (error ?? {}) as RestErrorLike;
  const status = e.statusCode;
  const code = e.details?.errorCode ?? e.code;
  const options = { integrationId: ctx.integrationId, uri: ctx.uri, cause: error };
  const what = `${code ?? 'error'}${status ? ` (HTTP ${status})` : ''}`;

  if (e.name === 'AbortError') {
    return new TimeoutError(`Azure Storage did not answer in time to ${ctx.operation} ${ctx.uri}`, options);
  }
  if (status === 404) {
    const container = code === 'ContainerNotFound' ? ' (the container does not exist)' : '';
    return new NotFoundError(`${ctx.uri} was not found${container}`, options);
  }
  if (status === 401 || status === 403) {
    return new AccessDeniedError(
      `Azure Storage refused to ${ctx.operation} ${ctx.uri}: ${what}. Check that the app registration has the ` +
        `"Storage Blob Data Reader" (read) or "Storage Blob Data Contributor" (write) role on the container, and that the ` +
        'storage account allows this network.',
      options,
    );
  }
  if (status === 416) {
    return new InvalidArgumentError(`the requested range is outside ${ctx.uri} (${what})`, options);
  }
  if (status !== undefined && RETRYABLE_STATUS.has(status)) {
    return new ProviderError(`Azure Storage is busy or failing, could not ${ctx.operation} ${ctx.uri}: ${what}`, { ...options, retryable: true });
  }
  if (status === undefined && code !== undefined && RETRYABLE_NETWORK.has(code)) {
    return new ProviderError(`could not reach Azure Storage to ${ctx.operation} ${ctx.uri}: ${code}`, { ...options, retryable: true });
  }
  return new ProviderError(`Azure Storage failed to ${ctx.operation} ${ctx.uri}: ${what}`, options);
}
