import { AssetLinkError, InvalidArgumentError, ProviderError, UnsupportedUriError } from '../errors.js';
import type { ListPage, ListPageRequest, ObjectTarget, ProviderDriver } from '../resolvers/driver.js';
import { raceAbort, throwIfAborted } from './abort.js';
import { resolveListingTarget, type ListingContext, type ListingTarget } from './target.js';
import type { KeyRange, SplitListingOptions } from './types.js';
import { compareUtf8 } from '../resolvers/key-order.js';

/**
 * `resolver.splitListing(uri, n)`: n key ranges whose listings together are exactly one listing
 * of `uri` — every key in exactly one range — for fanning a huge listing out over workers.
 *
 * Ranges are cut at strings `c`: keys ≤ c go to one range, keys > c to the next, written as
 * `{ endBefore: c + '\u0000' }` (the smallest string after c, so c itself stays in the earlier
 * range) and `{ startAfter: c }`. That holds for any cuts, so the union is exact whatever the
 * estimate; the estimate only decides how even the ranges are:
 * - one shallow (delimiter) listing of the folder: with enough folders in it, or a folder that fits
 *   in one page, the cuts fall between its entries (one request);
 * - otherwise the key space is sampled: ranges of unknown size are listed one page at a time and
 *   split by the next character of their keys, skipping past each character seen, until there
 *   are enough pieces or `maxRequests` is spent.
 */

const PAGE = 1000;
const DEFAULT_MAX_REQUESTS = 64;
const MAX_RANGES = 10_000;
/** Just above the last code point: skips every key that continues the string (bar ones continuing with U+10FFFF itself). */
const SKIP = '\u{10FFFF}';

type RangeUnit = {
  kind: 'range';
  /** Keys starting with `prefix` (and after `after`), of unknown number (`seen` of them known so far). */
  prefix: string;
  after?: string;
  seen: number;
  /** How many times the key space was divided to get here: ranges are refined level by level. */
  level: number;
  /** The range's first page when its parent already read it (a range that was its parent's only group). */
  firstPage?: { keys: string[]; more: boolean };
};
type Unit = { kind: 'key'; key: string } | RangeUnit;

export async function splitListing(ctx: ListingContext, uri: string, n: number, options: SplitListingOptions = {}): Promise<KeyRange[]> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_RANGES) throw new InvalidArgumentError(`n must be an integer from 1 to ${MAX_RANGES}, got ${String(n)}`);
  const maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
  if (!Number.isInteger(maxRequests) || maxRequests < 1) throw new InvalidArgumentError(`maxRequests must be a positive integer, got ${String(maxRequests)}`);
  throwIfAborted(options.signal, `splitting the listing of ${uri}`);
  const target = resolveListingTarget(ctx, uri, options.integration);
  if (n === 1) return [{}];
  const driver = await ctx.driver(target.integration.provider);
  if (!driver.listPage) {
    throw new UnsupportedUriError(`listing is not supported for ${target.integration.provider} integrations by this version`, {
      uri: target.location.uri, integrationId: target.integration.id,
    });
  }
  const sampler = new Sampler(driver as Required<Pick<ProviderDriver, 'listPage'>>, target, options.signal, maxRequests);
  const units = await sampler.units(n);
  const ranges = rangesFrom(cutsFor(units, n));
  if (ctx.listening) {
    ctx.emit({
      type: 'listing.split', time: new Date(ctx.now()), integrationId: target.integration.id, provider: target.integration.provider,
      uri: target.location.uri, ranges: ranges.length, requests: sampler.requests,
    });
  }
  return ranges;
}

class Sampler {
  requests = 0;
  readonly #driver: Required<Pick<ProviderDriver, 'listPage'>>;
  readonly #target: ListingTarget;
  readonly #objectTarget: ObjectTarget;
  readonly #signal: AbortSignal | undefined;
  readonly #maxRequests: number;

  constructor(driver: Required<Pick<ProviderDriver, 'listPage'>>, target: ListingTarget, signal: AbortSignal | undefined, maxRequests: number) {
    this.#driver = driver;
    this.#target = target;
    this.#objectTarget = { integration: target.integration, location: target.location };
    this.#signal = signal;
    this.#maxRequests = maxRequests;
  }

  /**
   * Units in key order, refined until there are enough to cut n even ranges or the budget is
   * spent. Ranges are refined breadth first (the least divided first), so the pieces stay of
   * comparable size: a range is never cut finer while another is still a whole level coarser.
   */
  async units(n: number): Promise<Unit[]> {
    const prefix = this.#target.prefix;
    let units: Unit[];
    const shallow = await this.#page({ prefix, delimiter: true, pageSize: PAGE });
    if (shallow.nextPageToken === undefined) {
      units = [];
      const objects = shallow.objects.map((o) => o.key);
      let o = 0;
      let p = 0;
      while (o < objects.length || p < shallow.prefixes.length) {
        if (p >= shallow.prefixes.length || (o < objects.length && compareUtf8(objects[o]!, shallow.prefixes[p]!) < 0)) {
          units.push({ kind: 'key', key: objects[o++]! });
        } else {
          units.push({ kind: 'range', prefix: shallow.prefixes[p++]!, seen: 0, level: 1 });
        }
      }
      units = units.filter((u) => this.#inScope(u.kind === 'key' ? u.key : u.prefix));
    } else {
      units = [{ kind: 'range', prefix, seen: 0, level: 0 }];
    }
    for (;;) {
      const ranges = units.filter((u): u is RangeUnit => u.kind === 'range');
      if (ranges.length === 0 || this.requests >= this.#maxRequests) return units;
      const level = Math.min(...ranges.map((r) => r.level));
      if (ranges.length >= 2 * n && ranges.every((r) => r.level === level)) return units;
      let next: RangeUnit | undefined;
      for (const r of ranges) if (r.level === level && (next === undefined || r.seen > next.seen)) next = r;
      units.splice(units.indexOf(next!), 1, ...await this.#expand(next!));
    }
  }

  /** Lists a range one page at a time, dividing it by the next character of its keys. */
  async #expand(range: RangeUnit): Promise<Unit[]> {
    const out: Unit[] = [];
    let after = range.after;
    let cached = range.firstPage;
    const depth = range.prefix.length;
    const rest = (): RangeUnit => ({ kind: 'range', prefix: range.prefix, ...(after !== undefined ? { after } : {}), seen: 0, level: range.level + 1 });
    for (;;) {
      let keys: string[];
      let more: boolean;
      if (cached) {
        ({ keys, more } = cached);
        cached = undefined;
      } else {
        if (this.requests >= this.#maxRequests) { out.push(rest()); return out; }
        const page = await this.#page({ prefix: range.prefix, delimiter: false, pageSize: PAGE, ...(after !== undefined ? { startAfter: after } : {}) });
        keys = page.objects.map((o) => o.key).filter((k) => (after === undefined || compareUtf8(k, after) > 0) && this.#inScope(k));
        more = page.nextPageToken !== undefined;
      }
      if (!more) {
        for (const key of keys) out.push({ kind: 'key', key });
        return out;
      }
      if (keys.length === 0) { out.push(rest()); return out; }
      // Every group but the last is complete; the last may continue past this page.
      const lastKey = keys[keys.length - 1]!;
      if (lastKey.length === depth) {
        // Only the range's own key (the smallest of the range) came back: step past it.
        for (const key of keys) out.push({ kind: 'key', key });
        after = lastKey;
        continue;
      }
      const lastStem = stem(lastKey, depth);
      let i = 0;
      while (i < keys.length && !(keys[i]!.length > depth && keys[i]!.startsWith(lastStem))) out.push({ kind: 'key', key: keys[i++]! });
      const group = keys.slice(i);
      out.push({
        kind: 'range', prefix: lastStem, seen: group.length, level: range.level + 1,
        // The whole page is this one group: it is also the group's own first page.
        ...(i === 0 && after === range.after ? { firstPage: { keys: group, more: true } } : {}),
      });
      after = `${lastStem}${SKIP}`;
    }
  }

  async #page(request: Omit<ListPageRequest, 'signal'>): Promise<ListPage> {
    throwIfAborted(this.#signal, `splitting the listing of ${this.#target.location.uri}`);
    this.requests++;
    const what = `splitting the listing of ${this.#target.location.uri}`;
    try {
      return await raceAbort(this.#driver.listPage(this.#objectTarget, { ...request, ...(this.#signal ? { signal: this.#signal } : {}) }), this.#signal, what, this.#target.location.uri);
    } catch (error) {
      throw error instanceof AssetLinkError ? error
        : new ProviderError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`, { uri: this.#target.location.uri, integrationId: this.#target.integration.id, cause: error });
    }
  }

  #inScope(key: string): boolean {
    const root = this.#target.scopeRoot;
    return key.length > root.length && key.startsWith(root) && key.startsWith(this.#target.prefix);
  }
}

/** The key's first `depth` characters plus its next code point. */
function stem(key: string, depth: number): string {
  return key.slice(0, depth) + String.fromCodePoint(key.codePointAt(depth)!);
}

/** Weight of a unit for balancing: a key is one; a range of unknown size counts as at least a page. */
function weight(unit: Unit): number {
  return unit.kind === 'key' ? 1 : Math.max(unit.seen, PAGE);
}

/** Up to n − 1 increasing cut strings that split the units into runs of similar total weight. */
export function cutsFor(units: Unit[], n: number): string[] {
  const total = units.reduce((sum, u) => sum + weight(u), 0);
  const cuts: string[] = [];
  let cumulative = 0;
  let next = 1;
  for (let i = 0; i < units.length - 1 && next < n; i++) {
    cumulative += weight(units[i]!);
    if (cumulative < (total * next) / n) continue;
    const cut = cutBetween(units[i]!, units[i + 1]!);
    if (cuts.length === 0 || compareUtf8(cut, cuts[cuts.length - 1]!) > 0) cuts.push(cut);
    while (next < n && cumulative >= (total * next) / n) next++;
  }
  return cuts;
}

/** A string ≥ the keys of `left` that are known and < the keys of `right` (keys equal to it go left). */
function cutBetween(left: Unit, right: Unit): string {
  if (left.kind === 'key') return left.key;
  return right.kind === 'key' ? right.key : right.prefix;
}

export function rangesFrom(cuts: string[]): KeyRange[] {
  if (cuts.length === 0) return [{}];
  const ranges: KeyRange[] = [{ endBefore: `${cuts[0]}\u0000` }];
  for (let i = 1; i < cuts.length; i++) ranges.push({ startAfter: cuts[i - 1]!, endBefore: `${cuts[i]}\u0000` });
  ranges.push({ startAfter: cuts[cuts.length - 1]! });
  return ranges;
}
