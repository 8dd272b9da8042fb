import { AccessDeniedError, AssetLinkError, CredentialsUnavailableError } from '../errors.js';
import type { FetchLike } from '../net/proxy-fetch.js';

/**
 * One JSON/form POST to a Google token service (IAM Credentials, STS), with the outcome already
 * in assetlink's vocabulary. Bodies and tokens never reach error messages: only the service's own
 * error text, which names permissions and resources, not secrets.
 */

export interface TokenServiceCall {
  url: string;
  /** What the call is for, in error messages: e.g. `impersonating x@y (generateAccessToken)`. */
  purpose: string;
  integrationId: string;
  bearer?: string;
  json?: unknown;
  form?: Record<string, string>;
  timeoutMs: number;
  /** The caller's signal, combined with the per-request timeout. */
  signal?: AbortSignal;
  /** The fetch to use: `platform.proxy`'s for gcp (src/resolvers/gcp/proxy.ts); default the global one. */
  fetch?: FetchLike;
}

export async function callTokenService<T>(call: TokenServiceCall): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (call.bearer) headers.authorization = `Bearer ${call.bearer}`;
  let body: string | undefined;
  if (call.json !== undefined) { headers['content-type'] = 'application/json'; body = JSON.stringify(call.json); }
  if (call.form !== undefined) { headers['content-type'] = 'application/x-www-form-urlencoded'; body = new URLSearchParams(call.form).toString(); }

  let response: Response;
  try {
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    response = await (call.fetch ?? fetch)(call.url, { method: 'POST', headers, ...(body !== undefined ? { body } : {}), signal });
  } catch (error) {
    // Unreachable or timed out: worth retrying, and nothing was decided about permissions.
    throw new CredentialsUnavailableError(`${call.purpose}: ${new URL(call.url).host} unreachable (${errorName(error)})`, {
      integrationId: call.integrationId, retryable: true, cause: error,
    });
  }
  const text = await response.text();
  if (response.ok) {
    try { return JSON.parse(text) as T; } catch (error) {
      throw new CredentialsUnavailableError(`${call.purpose}: the token service answered with something that is not JSON`, { integrationId: call.integrationId, retryable: true, cause: error });
    }
  }
  throw tokenServiceError(response.status, serviceMessage(text), call);
}

function tokenServiceError(status: number, message: string, call: TokenServiceCall): AssetLinkError {
  const options = { integrationId: call.integrationId };
  const detail = message ? `: ${message}` : '';
  if (status === 403 || status === 404) {
    return new AccessDeniedError(`${call.purpose} was denied (HTTP ${status})${detail}`, options);
  }
  if (status === 401) {
    return new CredentialsUnavailableError(`${call.purpose}: the platform identity was not accepted (HTTP 401)${detail}`, options);
  }
  const retryable = status === 408 || status === 429 || status >= 500;
  return new CredentialsUnavailableError(`${call.purpose} failed (HTTP ${status})${detail}`, { ...options, retryable });
}

/** `{error:{message}}` (Google APIs) or `{error, error_description}` (OAuth/STS). */
function serviceMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; error_description?: string };
    if (typeof parsed.error === 'object' && parsed.error?.message) return clip(parsed.error.message);
    if (typeof parsed.error === 'string') return clip(parsed.error_description ? `${parsed.error}: ${parsed.error_description}` : parsed.error);
  } catch { /* not JSON */ }
  return '';
}

function clip(text: string): string {
  // Google's messages are short; a long one is not a message, so do not echo it.
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

function errorName(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.name : 'error';
}
