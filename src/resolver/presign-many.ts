import { ownPresignedUrl } from './frozen.js';
import { AssetLinkError, InvalidArgumentError, InvalidUriError, ProviderError, ReadOnlyError, UnsupportedUriError } from '../errors.js';
import { checkTtl } from './ttl.js';
import type { AssetLinkEvent } from '../events.js';
import { coverage, type MatchOutcome } from '../integrations/match.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import { throwIfAborted } from '../list/abort.js';
import type { ProviderDriver } from '../resolvers/driver.js';
import type { AssetLocation, HttpMethod, Integration, PresignedUrl, Provider } from '../types.js';

/**
 * `resolver.presignMany(uris, ttlSeconds, options)`: a sequence's worth of presigned URLs (the
 * frames of one sample, the tiles of one scan) in one call.
 *
 * - Matching: every URI is parsed, but an integration is matched by scope once per bucket while
 *   it is the only candidate there; the next URIs of that bucket only have their key checked
 *   against its prefix (the same segment-aware check matching does). Buckets with several
 *   candidate integrations are matched URI by URI, exactly as `presign` would.
 * - Credentials: drivers with a batch signer (`presignBatch`: AWS) look an integration's
 *   credentials and bucket region up once for all its URIs; otherwise the first URI of each
 *   integration is signed alone and the rest find its credentials in the cache. Either way one
 *   STS / IAM / Entra fetch per integration, never a stampede.
 * - Checks: what `asset.presign` checks (method, read-only for PUT, the TTL against the provider's
 *   maximum), made once per integration; pinned versions per URI. Then the driver's own `presign`
 *   (the one every presigned URL goes through), with bounded concurrency so remote signers (GCP
 *   signBlob) see at most CONCURRENCY requests at a time.
 * - Errors: a URI that fails gets its AssetLinkError in its place; the call itself rejects only
 *   for bad arguments or an aborted signal (ABORTED).
 * - Audit: the per-URL `presign.issued` events, plus one `presign.batch` summary per call.
 */

/** Options of `resolver.presignMany(uris, ttlSeconds, options)`. */
export interface PresignManyOptions {
  /** `GET` (default) or `PUT` (read-write integrations only). */
  method?: HttpMethod;
  /** Use this integration (id or object) for every URI instead of matching each by scope. */
  integration?: string | Integration;
  /** For PUT: the Content-Type the uploads must send. */
  contentType?: string;
  /** Shorten a TTL that is too long instead of failing with INVALID_TTL. */
  clamp?: boolean;
  /** Stops the batch: the call rejects with ABORTED and no further URL is signed. */
  signal?: AbortSignal;
}

/** What presignMany needs from the resolver (root or tenant view) that owns it. */
export interface PresignBatchContext {
  parse(uri: string): AssetLocation;
  candidates(location: AssetLocation): readonly RegisteredIntegration[];
  /** The resolver's full matching of a URI (events, tenant rules, disabled integrations). */
  match(uri: string, ref: string | Integration | undefined): MatchOutcome;
  lookup(ref: string | Integration): RegisteredIntegration;
  driver(provider: Provider): Promise<ProviderDriver>;
  now(): number;
  emit(event: AssetLinkEvent): void;
  listening(): boolean;
}

/** URLs signed at once: enough to keep a local signer busy, few enough for a remote one. */
const CONCURRENCY = 16;
const MAX_URIS = 100_000;

type Slot = { index: number; outcome: MatchOutcome };

export async function presignMany(
  ctx: PresignBatchContext, uris: readonly string[], ttlSeconds: number, options: PresignManyOptions = {},
): Promise<Array<PresignedUrl | AssetLinkError>> {
  if (!Array.isArray(uris)) throw new InvalidArgumentError('presignMany takes an array of URIs');
  if (uris.length > MAX_URIS) throw new InvalidArgumentError(`presignMany takes at most ${MAX_URIS} URIs per call; split the batch`);
  const method = options.method ?? 'GET';
  if (method !== 'GET' && method !== 'PUT') throw new InvalidArgumentError(`presign method must be GET or PUT, got ${String(method)}`);
  const { signal } = options;
  throwIfAborted(signal, 'presignMany');

  const results = new Array<PresignedUrl | AssetLinkError>(uris.length);
  const explicit = options.integration === undefined ? undefined : safely(() => ctx.lookup(options.integration!));
  // Per integration, in first-seen order: its URIs' slots.
  const groups = new Map<RegisteredIntegration, Slot[]>();
  /** Per bucket: the integration matched there, while it is the only candidate. */
  const sole = new Map<string, RegisteredIntegration>();

  for (let i = 0; i < uris.length; i++) {
    const outcome = matchOne(ctx, uris[i]!, options.integration, explicit, sole);
    if (outcome instanceof AssetLinkError) { results[i] = outcome; continue; }
    let slots = groups.get(outcome.integration);
    if (!slots) { slots = []; groups.set(outcome.integration, slots); }
    slots.push({ index: i, outcome });
  }

  const drivers = new Map<Provider, Promise<ProviderDriver>>();
  const driverOf = (provider: Provider): Promise<ProviderDriver> => {
    let driver = drivers.get(provider);
    if (!driver) { driver = ctx.driver(provider); drivers.set(provider, driver); }
    return driver;
  };
  const clamp = options.clamp === true;
  /** Per integration: the checks every URL of it shares (mode, TTL), made once. */
  const checked = new Map<RegisteredIntegration, Promise<{ driver: ProviderDriver; ttlSeconds: number }>>();
  const checksFor = (integration: RegisteredIntegration): Promise<{ driver: ProviderDriver; ttlSeconds: number }> => {
    let pending = checked.get(integration);
    if (!pending) {
      pending = driverOf(integration.provider).then((driver) => {
        if (method === 'PUT' && integration.mode !== 'read-write') {
          throw new ReadOnlyError(
            `cannot presign PUT: integration "${integration.id}" is read-only. Use a read-write integration (mode: 'read-write') for these locations.`,
            { integrationId: integration.id },
          );
        }
        return { driver, ttlSeconds: checkTtl(ttlSeconds, driver.maxPresignTtlSeconds, clamp, `${driver.provider} presigned URLs`) };
      });
      pending.catch(() => undefined);
      checked.set(integration, pending);
    }
    return pending;
  };
  const deliver = (slot: Slot, presigned: PresignedUrl): void => {
    const { integration, location } = slot.outcome;
    if (ctx.listening()) {
      const now = ctx.now();
      ctx.emit({
        type: 'presign.issued', time: new Date(now), integrationId: integration.id, provider: location.provider,
        ...(integration.tenant !== undefined ? { tenant: integration.tenant } : {}),
        uri: location.uri, method, ttlSeconds: Math.round((presigned.expiresAt.getTime() - now) / 1000), expiresAt: presigned.expiresAt,
      });
    }
    // The same redacting copy a single presign returns: the signature never reaches JSON or inspect.
    results[slot.index] = ownPresignedUrl(presigned);
  };
  const fail = (slot: Slot, error: unknown): void => {
    const { integration, location } = slot.outcome;
    if (error instanceof ReadOnlyError && ctx.listening()) {
      ctx.emit({
        type: 'write.refused', time: new Date(ctx.now()), integrationId: integration.id, provider: location.provider,
        ...(integration.tenant !== undefined ? { tenant: integration.tenant } : {}), uri: location.uri, operation: 'presign PUT',
      });
    }
    results[slot.index] = asAssetLinkError(error, slot.outcome);
  };
  const driverRequest = (ttl: number) => ({
    method, ttlSeconds: ttl, clamp, ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
  });
  const signOne = async (slot: Slot): Promise<void> => {
    throwIfAborted(signal, 'presignMany');
    const { integration, location } = slot.outcome;
    try {
      const { driver, ttlSeconds: ttl } = await checksFor(integration);
      refusePinned(driver, location, method, integration);
      deliver(slot, await driver.presign({ integration, location }, driverRequest(ttl)));
    } catch (error) {
      fail(slot, error);
    }
  };
  /**
   * One integration's URIs: through the driver's batch signer (credentials and region looked up
   * once) when it has one, per URI otherwise. Pinned locations and a registration replaced
   * meanwhile go the per-URI way (it checks pins and follows updates).
   */
  const signGroup = async (slots: Slot[]): Promise<void> => {
    throwIfAborted(signal, 'presignMany');
    const integration = slots[0]!.outcome.integration;
    let checks: { driver: ProviderDriver; ttlSeconds: number };
    try {
      checks = await checksFor(integration);
    } catch (error) {
      for (const slot of slots) fail(slot, error);
      return;
    }
    const { driver } = checks;
    const single: Slot[] = [];
    const byBucket = new Map<string, Slot[]>();
    for (const slot of slots) {
      const { location } = slot.outcome;
      if (!driver.presignBatch || integration.retired || location.version !== undefined || location.snapshot !== undefined) { single.push(slot); continue; }
      const key = `${location.account ?? ''}|${location.bucket}`;
      let list = byBucket.get(key);
      if (!list) { list = []; byBucket.set(key, list); }
      list.push(slot);
    }
    for (const batch of byBucket.values()) {
      throwIfAborted(signal, 'presignMany');
      const out = await driver.presignBatch!(batch.map((s) => ({ integration, location: s.outcome.location })), driverRequest(checks.ttlSeconds));
      if (integration.retired) { single.push(...batch); continue; }
      batch.forEach((slot, i) => {
        const r = out[i];
        if (r === undefined || r instanceof Error) fail(slot, r ?? new TypeError('the driver returned no result'));
        else deliver(slot, r);
      });
    }
    // The first alone (it may fetch the credentials), then the rest on a warm cache.
    if (single.length > 0) {
      await signOne(single[0]!);
      await pool(single.slice(1), signOne);
    }
  };

  for (const slots of groups.values()) await signGroup(slots);
  throwIfAborted(signal, 'presignMany');

  if (ctx.listening()) {
    const failed = results.filter((r) => r instanceof AssetLinkError).length;
    ctx.emit({
      type: 'presign.batch', time: new Date(ctx.now()), method, ttlSeconds, requested: uris.length, issued: uris.length - failed, failed,
      integrationIds: [...groups.keys()].map((r) => r.id),
    });
  }
  return results;
}

function matchOne(
  ctx: PresignBatchContext, uri: string, ref: string | Integration | undefined,
  explicit: RegisteredIntegration | AssetLinkError | undefined, sole: Map<string, RegisteredIntegration>,
): MatchOutcome | AssetLinkError {
  try {
    if (explicit instanceof AssetLinkError) return explicit;
    if (typeof uri !== 'string') throw new InvalidUriError(`presignMany: every URI must be a string, got ${typeof uri}`);
    let outcome: MatchOutcome | undefined;
    if (explicit === undefined) {
      const location = ctx.parse(uri);
      const group = `${location.provider}|${location.account ?? ''}|${location.bucket}`;
      const known = sole.get(group);
      if (known !== undefined && location.presigned === undefined) {
        const c = coverage(known, location);
        if (c.ok) outcome = { integration: known, location: c.location, reason: '', matchedPrefix: c.prefix };
      }
      if (!outcome) {
        outcome = ctx.match(uri, undefined);
        if (ctx.candidates(location).length === 1 && location.presigned === undefined) sole.set(group, outcome.integration);
      }
    } else {
      outcome = ctx.match(uri, ref);
    }
    if (outcome.location.key === '') {
      throw new InvalidUriError(`${outcome.location.uri} names a bucket, not an object: add the object key`, { uri: outcome.location.uri });
    }
    return outcome;
  } catch (error) {
    return asAssetLinkError(error, undefined);
  }
}

/** As `asset.presign` does: a pinned location is never signed as a PUT, nor by a driver that would serve the live object. */
function refusePinned(driver: ProviderDriver, location: AssetLocation, method: HttpMethod, integration: RegisteredIntegration): void {
  const pinned = location.version ?? location.snapshot;
  if (pinned === undefined) return;
  const what = location.version !== undefined ? 'version' : 'snapshot';
  if (method === 'PUT') {
    throw new ReadOnlyError(`cannot presign PUT ${location.uri}: the URI pins ${what} ${pinned}, and a pinned location is read-only`, { integrationId: integration.id, uri: location.uri });
  }
  if (driver.honoursPins !== true) {
    throw new UnsupportedUriError(`${location.uri} pins ${what} ${pinned}, which the ${location.provider} provider cannot read yet; it would return the live object instead`, { integrationId: integration.id, uri: location.uri });
  }
}

function safely<T>(fn: () => T): T | AssetLinkError {
  try { return fn(); } catch (error) { return asAssetLinkError(error, undefined); }
}

/** Errors in place are always AssetLinkErrors (a bug elsewhere must not hand back a raw error with secrets). */
function asAssetLinkError(error: unknown, outcome: MatchOutcome | undefined): AssetLinkError {
  if (error instanceof AssetLinkError) return error;
  return new ProviderError('presigning failed unexpectedly', {
    cause: error, ...(outcome ? { integrationId: outcome.integration.id, uri: outcome.location.uri } : {}),
  });
}

/** Runs `fn` over `items`, at most CONCURRENCY at a time. */
async function pool<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
