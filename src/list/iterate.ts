import { AssetLinkError, ProviderError, UnsupportedUriError } from '../errors.js';
import type { ListPage, ListPageRequest, ObjectTarget, ProviderDriver } from '../resolvers/driver.js';
import { raceAbort, throwIfAborted } from './abort.js';
import { checkListOptions, type CheckedListOptions } from './options.js';
import { resolveListingTarget, type ListingContext, type ListingTarget } from './target.js';
import type { ListedEntry, ListedObject, ListOptions } from './types.js';
import { compareUtf8 } from '../resolvers/key-order.js';

/**
 * The lazy listing behind `resolver.list()`: one provider page at a time, fetched only when the
 * consumer asks for more, so memory holds one page however long the listing is. Everything that
 * can be checked before a request (options, scope) is checked first; errors surface on the first
 * `next()`. Drivers only fetch pages; the rules live here, for every provider alike:
 * - entries come out strictly increasing in UTF-8 byte order (a repeated entry is dropped, one
 *   that goes backwards is a PROVIDER_ERROR: resume and split depend on that order);
 * - nothing outside the integration's scope or the requested range is yielded, whatever the
 *   provider returns;
 * - the listing stops fetching at `limit`, at `endBefore` and when the signal fires.
 */
export function listEntries(ctx: ListingContext, uri: string, options: ListOptions = {}): AsyncIterable<ListedEntry> {
  return { [Symbol.asyncIterator]: () => run(ctx, uri, options) };
}

async function* run(ctx: ListingContext, uri: string, options: ListOptions): AsyncGenerator<ListedEntry, void, undefined> {
  const opts = checkListOptions(options);
  throwIfAborted(opts.signal, `listing ${uri}`);
  const target = resolveListingTarget(ctx, uri, options.integration);
  const driver = await ctx.driver(target.integration.provider);
  if (!driver.listPage) {
    throw new UnsupportedUriError(`listing is not supported for ${target.integration.provider} integrations by this version`, {
      uri: target.location.uri, integrationId: target.integration.id,
    });
  }
  const plan = planRequests(target, opts);
  let yielded = 0;
  let pages = 0;
  let complete = false;
  try {
    if (plan === undefined) { complete = true; return; }
    for await (const page of fetchPages(driver as PagingDriver, target, opts, plan, () => yielded, () => pages++)) {
      for (const entry of page) {
        // Nothing more after an abort, not even what the last page already brought.
        throwIfAborted(opts.signal, `listing ${target.location.uri}`, target.location.uri);
        yielded++;
        yield entry;
        if (yielded >= opts.limit) { complete = true; return; }
      }
    }
    complete = true;
  } finally {
    if (ctx.listening) {
      ctx.emit({
        type: 'asset.listed', time: new Date(ctx.now()), integrationId: target.integration.id, provider: target.integration.provider,
        uri: target.location.uri, entries: yielded, pages, complete,
      });
    }
  }
}

type PagingDriver = Required<Pick<ProviderDriver, 'listPage'>>;

/** The provider-side request that covers the listing, or undefined when the range is empty. */
export interface RequestPlan {
  prefix: string;
  startAfter?: string;
  endBefore?: string;
}

export function planRequests(target: ListingTarget, opts: CheckedListOptions): RequestPlan | undefined {
  // A glob's literal part narrows the request. Without recursion only its first segment can: the
  // provider folds keys into prefixes relative to the request prefix, per segment.
  let literal = opts.matcher?.literalPrefix ?? '';
  if (!opts.recursive && literal.includes('/')) literal = literal.slice(0, literal.indexOf('/'));
  const prefix = target.prefix + literal;
  let { startAfter, endBefore } = opts;
  // Keys under `prefix` form one contiguous run in byte order: a bound outside it either excludes
  // everything or nothing.
  if (startAfter !== undefined && !startAfter.startsWith(prefix)) {
    if (compareUtf8(startAfter, prefix) > 0) return undefined;
    startAfter = undefined;
  }
  if (endBefore !== undefined && !endBefore.startsWith(prefix)) {
    if (compareUtf8(endBefore, prefix) < 0) return undefined;
    endBefore = undefined;
  }
  if (endBefore === prefix) return undefined;
  return { prefix, ...(startAfter !== undefined ? { startAfter } : {}), ...(endBefore !== undefined ? { endBefore } : {}) };
}

/** Pages of entries that pass every rule, in order; stops at the end of the range. */
async function* fetchPages(
  driver: PagingDriver, target: ListingTarget, opts: CheckedListOptions, plan: RequestPlan,
  yielded: () => number, countPage: () => void,
): AsyncGenerator<ListedEntry[], void, undefined> {
  const objectTarget: ObjectTarget = { integration: target.integration, location: target.location };
  const what = `listing ${target.location.uri}`;
  const filtered = opts.matcher !== undefined || opts.modifiedSince !== undefined;
  const { scopeRoot } = target;
  const base = target.prefix.length;
  let pageToken: string | undefined;
  let last: string | undefined;
  for (;;) {
    throwIfAborted(opts.signal, what, target.location.uri);
    // Without client-side filters, a limit smaller than a page needs no bigger page (+1: a bound may be returned once more).
    const remaining = opts.limit - yielded();
    const pageSize = filtered ? opts.pageSize : Math.max(1, Math.min(opts.pageSize, remaining + 1));
    const request: ListPageRequest = {
      prefix: plan.prefix, delimiter: !opts.recursive, pageSize,
      ...(pageToken !== undefined ? { pageToken } : plan.startAfter !== undefined ? { startAfter: plan.startAfter } : {}),
      ...(plan.endBefore !== undefined ? { endBefore: plan.endBefore } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    let page: ListPage;
    try {
      page = await raceAbort(driver.listPage(objectTarget, request), opts.signal, what, target.location.uri);
    } catch (error) {
      throw error instanceof AssetLinkError ? error
        : new ProviderError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, {
          uri: target.location.uri, integrationId: target.integration.id, cause: error,
        });
    }
    countPage();
    const out: ListedEntry[] = [];
    let ended = false;
    const objects = page.objects;
    const prefixes = opts.recursive ? [] : page.prefixes;
    let o = 0;
    let p = 0;
    while (o < objects.length || p < prefixes.length) {
      const takeObject = p >= prefixes.length || (o < objects.length && compareUtf8(objects[o]!.key, prefixes[p]!) < 0);
      const key = takeObject ? objects[o]!.key : prefixes[p]!;
      const object = takeObject ? objects[o++] : undefined;
      if (!takeObject) p++;
      if (last !== undefined) {
        const order = compareUtf8(key, last);
        if (order === 0) continue;
        if (order < 0) {
          throw new ProviderError(
            `${what}: the provider returned "${key}" after "${last}", out of key order; the listing cannot be trusted to be complete`,
            { uri: target.location.uri, integrationId: target.integration.id },
          );
        }
      }
      last = key;
      if (plan.endBefore !== undefined && compareUtf8(key, plan.endBefore) >= 0) { ended = true; break; }
      if (plan.startAfter !== undefined && compareUtf8(key, plan.startAfter) <= 0) continue;
      // Defence in depth: whatever the provider answered, nothing outside the scope or the folder.
      if (key.length <= scopeRoot.length || !key.startsWith(scopeRoot) || !key.startsWith(plan.prefix)) continue;
      const relative = key.slice(base);
      if (object) {
        if (opts.matcher && !opts.matcher.test(relative)) continue;
        if (opts.modifiedSince !== undefined && object.lastModified !== undefined && object.lastModified.getTime() < opts.modifiedSince) continue;
        const entry: ListedObject = { kind: 'object', uri: target.uriOf(key), key, size: object.size };
        if (object.etag !== undefined) entry.etag = object.etag;
        if (object.lastModified !== undefined) entry.lastModified = object.lastModified;
        if (object.contentType !== undefined) entry.contentType = object.contentType;
        out.push(entry);
      } else {
        // A folded segment matches a glob by its name (`photos*` lists `photos2024/`); a RegExp sees the trailing '/'.
        if (opts.matcher && !(opts.matcher.test(relative) || opts.matcher.test(relative.slice(0, -1)))) continue;
        out.push({ kind: 'prefix', uri: target.uriOf(key), key });
      }
    }
    if (out.length > 0) yield out;
    if (ended || page.nextPageToken === undefined) return;
    if (page.nextPageToken === pageToken) {
      throw new ProviderError(`${what}: the provider returned the same page token twice`, { uri: target.location.uri, integrationId: target.integration.id });
    }
    pageToken = page.nextPageToken;
  }
}
