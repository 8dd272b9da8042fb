import { setMaxListeners } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { AssetLinkError, BlockedHostError, BodyTooLargeError, InvalidArgumentError, InvalidTtlError, ProviderError, ReadOnlyError } from '../errors.js';
import { systemResolve, type ResolveHost } from '../net/guarded-connect.js';
import { startDeadline, type Deadline } from '../net/deadline.js';
import { guardedFetch, type GuardedResponse } from '../net/guarded-fetch.js';
import { proxyFor, type ProxyConfig } from '../net/proxy-settings.js';
import { networkError, statusError, withContext, type ErrorContext } from '../net/http-errors.js';
import { contentCodings, responseBody } from '../net/response-body.js';
import type { SsrfPolicy } from '../net/ssrf-policy.js';
import type { ByteRange, HeadResult, HttpsPlatformOptions, PresignedUrl } from '../types.js';
import type { DriverContext, DriverFactory, DriverPresignRequest, ObjectTarget, ProviderDriver } from './driver.js';

const WEEK = 7 * 24 * 3600;
const DEFAULT_MAX_REDIRECTS = 5;
/** Default `platform.https.maxBodyBytes`. */
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Read-only access to assets on allow-listed https hosts, every connection through the SSRF
 * guard in src/net. Also fetches already pre-signed S3/GCS/Azure URLs routed to an https
 * integration, and hands them out from `presign` unchanged.
 */
class HttpsDriver implements ProviderDriver {
  readonly provider = 'https' as const;
  /** A plain URL has no signature that expires; 7 days keeps `expiresAt` claims in line with the clouds'. */
  readonly maxPresignTtlSeconds = WEEK;
  readonly #ctx: DriverContext;
  readonly #options: HttpsPlatformOptions;
  /** platform.proxy for https assets: CONNECT to the checked address, never to the name. */
  readonly #proxy: ProxyConfig | undefined;
  readonly #resolve: ResolveHost;
  readonly #closing = new AbortController();
  readonly #open = new Set<IncomingMessage>();
  readonly #maxBodyBytes: number;
  readonly #deadlineMs: number;

  constructor(ctx: DriverContext) {
    this.#ctx = ctx;
    // Every request in flight (body streams included) listens to this one signal.
    setMaxListeners(0, this.#closing.signal);
    this.#options = ctx.platform.https ?? {};
    this.#resolve = this.#options.lookup ?? systemResolve;
    this.#proxy = proxyFor(ctx.platform.proxy, 'https', ctx.platform.noProxy);
    const max = this.#options.maxRedirects;
    if (max !== undefined && !(Number.isInteger(max) && max >= 0)) {
      throw new InvalidArgumentError(`platform.https.maxRedirects must be a whole number ≥ 0, got ${String(max)}`);
    }
    this.#maxBodyBytes = positiveOrInfinity(this.#options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
    this.#deadlineMs = positiveOrInfinity(this.#options.deadlineMs, ctx.requestTimeoutMs, 'deadlineMs');
  }

  async head(t: ObjectTarget): Promise<HeadResult> {
    // One deadline for the HEAD and the ranged GET it may fall back to, redirects included.
    const deadline = this.#deadline(t);
    try {
      return await this.#head(t, deadline);
    } finally {
      deadline.clear();
    }
  }

  async #head(t: ObjectTarget, deadline: Deadline): Promise<HeadResult> {
    // A pre-signed GET URL is signed for GET only (HEAD gets 403 from S3), so probe with a 1-byte GET.
    if (t.location.presigned === undefined) {
      const { response, target } = await this.#fetch(t, 'HEAD', {}, deadline);
      response.destroy();
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      const size = contentLength(response);
      if (ok && size !== undefined) return headResult(response, size);
      // No HEAD support (405/501) or no Content-Length: fall through to the ranged GET.
      if (!ok && status !== 405 && status !== 501) throw statusError(status, target.display, this.#errorContext(t));
    }
    return this.#headByRangedGet(t, deadline);
  }

  async read(t: ObjectTarget, range?: ByteRange): Promise<ReadableStream<Uint8Array>> {
    // The deadline covers redirects, headers and the whole body; the body stream clears it when it ends.
    const deadline = this.#deadline(t);
    try {
      return await this.#read(t, range, deadline);
    } catch (error) {
      deadline.clear();
      throw error;
    }
  }

  async #read(t: ObjectTarget, range: ByteRange | undefined, deadline: Deadline): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    const { response, target } = await this.#fetch(t, 'GET', headers, deadline);
    const status = response.statusCode ?? 0;
    const ctx = this.#errorContext(t);
    if (status !== 200 && status !== 206) {
      response.destroy();
      throw statusError(status, target.display, ctx);
    }
    let slice: { start: number; length?: number } | undefined;
    const size = contentLength(response);
    if (range && status === 200) {
      // The server ignored Range and sent everything: cut the window out ourselves.
      if (size !== undefined && size > 0 && range.start >= size) {
        response.destroy();
        throw new InvalidArgumentError(`range start ${range.start} is beyond the end of ${t.location.uri} (${size} bytes)`, ctx);
      }
      slice = { start: range.start, ...(range.end !== undefined ? { length: range.end - range.start + 1 } : {}) };
    }
    const tooLarge = (): BodyTooLargeError => new BodyTooLargeError(
      `BODY_TOO_LARGE: ${target.display} sent a body larger than ${this.#maxBodyBytes} bytes (platform.https.maxBodyBytes); read a range or raise the limit`,
      ctx,
    );
    let codings: string[];
    try {
      codings = contentCodings(response, target.display);
      if (codings.length > 0 && status === 206) {
        throw new ProviderError(`PROVIDER_ERROR: ${target.display} answered a range of an encoded (${codings.join(', ')}) body, which cannot be decoded on its own`);
      }
      // Refuse up front what Content-Length already says is too much (the bytes we would have to read).
      const needed = size === undefined ? undefined : slice?.length !== undefined ? Math.min(size, slice.start + slice.length) : size;
      if (needed !== undefined && needed > this.#maxBodyBytes) throw tooLarge();
    } catch (error) {
      response.destroy();
      throw withContext(error, ctx);
    }
    return responseBody(this.#track(response), {
      idleTimeoutMs: this.#ctx.requestTimeoutMs,
      mapError: (error) => withContext(networkError(error, target.display, ctx), ctx),
      maxBytes: this.#maxBodyBytes,
      tooLarge,
      deadline,
      encodings: codings,
      ...(slice ? { slice } : {}),
    });
  }

  async write(t: ObjectTarget): Promise<void> {
    throw readOnly(t, 'write');
  }

  async delete(t: ObjectTarget): Promise<void> {
    throw readOnly(t, 'delete');
  }

  async presign(t: ObjectTarget, req: DriverPresignRequest): Promise<PresignedUrl> {
    if (req.method !== 'GET') throw readOnly(t, 'presign PUT');
    const now = this.#ctx.now();
    const url = t.location.originalUrl ?? t.location.uri;
    const ctx = this.#errorContext(t);
    const signed = t.location.presigned;
    if (signed !== undefined) {
      // Already signed by its owner: hand it out unchanged, with the expiry the URL itself states.
      const expiresAt = signed.expiresAt;
      if (expiresAt === undefined) {
        throw new InvalidTtlError(`INVALID_TTL: ${t.location.uri} is a pre-signed ${signed.kind} URL that does not state its expiry, so assetlink cannot report a truthful expiresAt`, ctx);
      }
      const left = Math.floor((expiresAt.getTime() - now) / 1000);
      if (left <= 0) throw new InvalidTtlError(`INVALID_TTL: the pre-signed URL for ${t.location.uri} expired at ${expiresAt.toISOString()}`, ctx);
      if (req.ttlSeconds > left && !req.clamp) {
        throw new InvalidTtlError(`INVALID_TTL: TTL ${req.ttlSeconds}s exceeds the ${left}s left on the pre-signed URL for ${t.location.uri}; it is passed through, never re-signed. Ask for less or pass { clamp: true }`, ctx);
      }
      return { url, method: 'GET', expiresAt, headers: {} };
    }
    // A plain URL does not expire by itself; expiresAt is how long assetlink vouches for it,
    // at most the integration's presignTtlSeconds when that is set.
    const cap = t.integration.config.provider === 'https' ? t.integration.config.presignTtlSeconds : undefined;
    let ttl = req.ttlSeconds;
    if (cap !== undefined && ttl > cap) {
      if (!req.clamp) throw new InvalidTtlError(`INVALID_TTL: TTL ${ttl}s exceeds presignTtlSeconds (${cap}s) of integration "${t.integration.id}"; ask for less or pass { clamp: true }`, ctx);
      ttl = cap;
    }
    return { url, method: 'GET', expiresAt: new Date(Math.floor(now / 1000 + ttl) * 1000), headers: {} };
  }

  async close(): Promise<void> {
    this.#closing.abort(new ProviderError('PROVIDER_ERROR: the resolver was closed'));
    for (const response of this.#open) response.destroy();
    this.#open.clear();
  }

  async #headByRangedGet(t: ObjectTarget, deadline: Deadline): Promise<HeadResult> {
    const { response, target } = await this.#fetch(t, 'GET', { range: 'bytes=0-0' }, deadline);
    response.destroy();
    const status = response.statusCode ?? 0;
    // 206 "bytes 0-0/SIZE"; 416 "bytes */SIZE" for an empty object; 200 when Range is ignored.
    const total = /\/(\d+)\s*$/.exec(response.headers['content-range'] ?? '')?.[1];
    const size = status === 200 ? contentLength(response) : (status === 206 || status === 416) && total !== undefined ? Number(total) : undefined;
    if (status !== 200 && status !== 206 && status !== 416) throw statusError(status, target.display, this.#errorContext(t));
    if (size === undefined) throw new ProviderError(`PROVIDER_ERROR: ${target.display} does not report the object's size`, this.#errorContext(t));
    return headResult(response, size);
  }

  #deadline(t: ObjectTarget): Deadline {
    return startDeadline(this.#deadlineMs, this.#closing.signal, `the request for ${t.location.uri}`);
  }

  async #fetch(t: ObjectTarget, method: 'GET' | 'HEAD', headers: Record<string, string>, deadline: Deadline): Promise<GuardedResponse> {
    const ctx = this.#errorContext(t);
    const url = t.location.originalUrl ?? (t.location.provider === 'https' ? t.location.uri : undefined);
    try {
      if (url === undefined) throw new BlockedHostError(`BLOCKED_HOST: ${t.location.uri} is not an https URL the https provider can fetch`);
      return await guardedFetch(url, {
        method, headers, policy: this.#policy(t), resolve: this.#resolve,
        // Headers within requestTimeoutMs, and everything within the overall deadline.
        timeoutMs: Math.min(this.#ctx.requestTimeoutMs, deadline.remainingMs()),
        maxRedirects: this.#options.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
        signal: deadline.signal,
        ...(this.#options.ca !== undefined ? { ca: this.#options.ca } : {}),
        ...(this.#proxy ? { proxy: this.#proxy } : {}),
      });
    } catch (error) {
      const mapped = withContext(networkError(error, t.location.uri, ctx), ctx);
      if (mapped instanceof AssetLinkError && mapped.code === 'BLOCKED_HOST') {
        this.#ctx.emit({ type: 'scope.refused', time: new Date(this.#ctx.now()), integrationId: t.integration.id, provider: 'https', uri: t.location.uri, code: 'BLOCKED_HOST' });
      }
      throw mapped;
    }
  }

  #policy(t: ObjectTarget): SsrfPolicy {
    const config = t.integration.config;
    return {
      allowedHosts: config.provider === 'https' ? config.scope.hosts : [],
      allowPorts: this.#options.allowPorts ?? [],
      allowPrivateHosts: this.#options.allowPrivateHosts ?? [],
    };
  }

  #track(response: IncomingMessage): IncomingMessage {
    this.#open.add(response);
    response.once('close', () => this.#open.delete(response));
    return response;
  }

  #errorContext(t: ObjectTarget): ErrorContext {
    return { uri: t.location.uri, integrationId: t.integration.id };
  }
}

function positiveOrInfinity(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY || (Number.isSafeInteger(value) && value > 0)) return value;
  throw new InvalidArgumentError(`platform.https.${name} must be a whole number > 0 (or Infinity to disable), got ${String(value)}`);
}

function contentLength(response: IncomingMessage): number | undefined {
  const raw = response.headers['content-length'];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

function headResult(response: IncomingMessage, size: number): HeadResult {
  const result: HeadResult = { size };
  const type = response.headers['content-type'];
  if (type !== undefined) result.contentType = type;
  const etag = response.headers.etag;
  if (etag !== undefined) result.etag = etag;
  const modified = Date.parse(response.headers['last-modified'] ?? '');
  if (!Number.isNaN(modified)) result.lastModified = new Date(modified);
  return result;
}

/** Unreachable through the resolver (https integrations are read-only); kept for direct driver use. */
function readOnly(t: ObjectTarget, operation: string): ReadOnlyError {
  return new ReadOnlyError(`cannot ${operation} ${t.location.uri}: https assets are read-only`, { uri: t.location.uri, integrationId: t.integration.id });
}

export const createDriver: DriverFactory = (ctx) => new HttpsDriver(ctx);
