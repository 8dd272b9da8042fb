import { AssetLinkError, InvalidArgumentError, InvalidTtlError, ReadOnlyError, VendUnsupportedError } from '../errors.js';
import { raceAbort, throwIfAborted } from '../list/abort.js';
import { resolveListingTarget, type ListingContext } from '../list/target.js';
import type { Integration, Mode } from '../types.js';
import type { VendedCredentials } from '../vend/credentials.js';

/**
 * `resolver.vend(uri, options)`: credentials for a worker that is not this process, confined to
 * the URI's prefix (a folder, segment-aware: `s3://b/images` and `s3://b/images/` both mean
 * `images/…`, never `images2/…`), to a mode no wider than the integration's, and to a lifetime no
 * longer than the TTL asked. The integration is found exactly as a listing of that folder finds
 * it, so a prefix wider than the scope is OUT_OF_SCOPE and a tenant view sees only its tenant's
 * integrations. The driver mints; where it cannot enforce the prefix it refuses (VEND_UNSUPPORTED).
 */

/** Options of `resolver.vend(uri, options)`. */
export interface VendOptions {
  /** Lifetime asked, in whole seconds. The credentials never live longer. */
  ttlSeconds: number;
  /** Default `'read-only'`; `'read-write'` only through a read-write integration (READ_ONLY otherwise). */
  mode?: Mode;
  /** Use this integration (id or object) instead of matching the URI by scope. */
  integration?: string | Integration;
  /**
   * When the provider cannot issue credentials that live exactly `ttlSeconds` (AWS STS: at least 900 s,
   * at most 12 h), shorten a too-long lifetime instead of failing with INVALID_TTL. A TTL under the
   * provider's minimum always fails: the credentials would outlive what was asked.
   */
  clamp?: boolean;
  /** Aborting stops the vend with an `ABORTED` error. */
  signal?: AbortSignal;
}

const MODES: readonly Mode[] = ['read-only', 'read-write'];

export async function vendCredentials(ctx: ListingContext, uri: string, options: VendOptions): Promise<VendedCredentials> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('vend needs options: { ttlSeconds }');
  const { ttlSeconds } = options;
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new InvalidTtlError(`ttlSeconds must be a positive whole number of seconds, got ${String(ttlSeconds)}`);
  }
  const mode = options.mode ?? 'read-only';
  if (!MODES.includes(mode)) throw new InvalidArgumentError(`mode must be 'read-only' or 'read-write', got ${JSON.stringify(String(mode)).slice(0, 40)}`);
  throwIfAborted(options.signal, 'vend', uri);

  const target = resolveListingTarget(ctx, uri, options.integration);
  const { integration, location } = target;
  const prefix = target.prefix.replace(/\/+$/, '');
  const refused = (error: unknown): unknown => {
    if (error instanceof AssetLinkError && ctx.listening) {
      ctx.emit({ type: 'vend.refused', time: new Date(ctx.now()), integrationId: integration.id, provider: integration.provider, uri: location.uri, mode, code: error.code });
    }
    return error;
  };

  if (mode === 'read-write' && integration.mode !== 'read-write') {
    throw refused(new ReadOnlyError(
      `integration "${integration.id}" is read-only: it can vend read-only credentials only (ask for mode 'read-only')`,
      { integrationId: integration.id, uri: location.uri },
    ));
  }
  let credentials: VendedCredentials;
  try {
    const driver = await ctx.driver(integration.provider);
    if (!driver.vend) {
      throw new VendUnsupportedError(
        `${integration.provider} integrations have no delegated credentials to vend; hand the worker presigned URLs (presignMany) instead`,
        { integrationId: integration.id, uri: location.uri },
      );
    }
    credentials = await raceAbort(
      driver.vend({ integration, location }, {
        prefix, mode, ttlSeconds, clamp: options.clamp === true,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
      options.signal, 'vend', location.uri,
    );
  } catch (error) {
    throw refused(error);
  }
  if (ctx.listening) {
    ctx.emit({
      type: 'credentials.vended', time: new Date(ctx.now()), integrationId: integration.id, provider: integration.provider,
      uri: location.uri, prefix, mode, ttlSeconds, expiresAt: credentials.expiresAt,
    });
  }
  return credentials;
}
