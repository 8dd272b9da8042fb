import {
  AccessDeniedError, AssetLinkError, CredentialsUnavailableError, InvalidArgumentError, NotFoundError, ProviderError, TimeoutError,
} from '../../errors.js';
import type { ObjectTarget } from '../driver.js';

/**
 * Storage errors in assetlink's vocabulary: 404 → NOT_FOUND, 403 → ACCESS_DENIED,
 * 401 → CREDENTIALS_UNAVAILABLE (the token stopped working; retry mints a new one),
 * 408/429/5xx and network faults → retryable PROVIDER_ERROR. Messages name the object and the
 * integration, plus GCS's own explanation (which names permissions, never credentials).
 */

const RETRYABLE_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);

export function httpStatusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; status?: unknown; response?: { status?: unknown; statusCode?: unknown } };
  for (const candidate of [e.code, e.status, e.response?.status, e.response?.statusCode]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

function providerMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  // GCS sometimes answers with an HTML or XML page; only a short one-line message is useful.
  const line = raw.split('\n')[0]!.trim();
  if (!line || line.startsWith('<') || line.startsWith('{')) return '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** node-fetch (SDK calls), gaxios (resumable start) and fetch (chunks) each say "timed out" differently. */
function isTimeout(error: unknown): boolean {
  const e = error as { name?: unknown; type?: unknown; code?: unknown; cause?: { name?: unknown; code?: unknown } };
  return e.type === 'request-timeout' || e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError'
    || e.code === 'ETIMEDOUT' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
}

export function mapGcsError(error: unknown, target: ObjectTarget, operation: string): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  const options = { integrationId: target.integration.id, uri: target.location.uri, cause: error };
  if (isTimeout(error)) {
    return new TimeoutError(`${operation} ${target.location.uri}: Cloud Storage did not answer in time (integration "${target.integration.id}")`, options);
  }
  const status = httpStatusOf(error);
  const detail = providerMessage(error);
  const what = `${operation} ${target.location.uri}`;
  const suffix = detail ? `: ${detail}` : '';
  switch (status) {
    case 404:
      return new NotFoundError(`${target.location.uri} does not exist (integration "${target.integration.id}")`, options);
    case 403:
      return new AccessDeniedError(`${what} was denied for integration "${target.integration.id}"${suffix}`, options);
    case 401:
      return new CredentialsUnavailableError(`${what}: Cloud Storage did not accept the credentials of integration "${target.integration.id}"${suffix}`, { ...options, retryable: true });
    case 416:
      return new InvalidArgumentError(`${what}: the requested range is outside the object`, options);
    case 412:
      return new ProviderError(`${what}: a precondition failed${suffix}`, options);
    default:
      break;
  }
  if (status === 408 || status === 429 || (status !== undefined && status >= 500)) {
    return new ProviderError(`${what} failed with HTTP ${status}${suffix}`, { ...options, retryable: true });
  }
  const code = (error as { code?: unknown; cause?: { code?: unknown } }).code ?? (error as { cause?: { code?: unknown } }).cause?.code;
  if (code === 'CONTENT_DOWNLOAD_MISMATCH') {
    // The SDK's CRC32C/MD5 check failed: bytes were corrupted in transit; reading again may succeed.
    return new ProviderError(`${what}: the downloaded bytes failed their checksum`, { ...options, retryable: true });
  }
  if (typeof code === 'string' && RETRYABLE_NETWORK.has(code)) {
    return new ProviderError(`${what} failed: network error ${code}`, { ...options, retryable: true });
  }
  return new ProviderError(`${what} failed${status ? ` with HTTP ${status}` : ''}${suffix}`, options);
}
