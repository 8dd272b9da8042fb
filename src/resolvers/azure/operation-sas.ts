import { ReadOnlyError } from '../../errors.js';
import type { Mode } from '../../types.js';
import type { SasResource, UserDelegationSasSigner } from './sas.js';

/**
 * The user-delegation SAS every Azure data-plane request carries instead of the integration's
 * Entra token. Each names exactly one operation's permission and the narrowest resource:
 *
 * | operation                               | sp | sr                         |
 * | --------------------------------------- | -- | -------------------------- |
 * | head, read (whole or ranged)            | r  | b (the blob)               |
 * | head, read of a pinned snapshot/version | r  | bs / bv (that snapshot or version only) |
 * | write (single shot, staged blocks)      | w  | b                          |
 * | create-only write (verify's probe)      | c  | b                          |
 * | delete                                  | d  | b                          |
 * | list (verify, listPage)                 | l  | c, or d + sdd (hierarchical namespace) |
 *
 * A read-only integration is never given anything but `r` or `l`, whatever its identity may do:
 * the refusal is here, where every SAS is minted, not only in the operations that ask.
 *
 * Signing is one local HMAC, but the hot path does not even do that: a SAS is reused for the same
 * (integration, resource, permission) within a 15-minute window. It is valid from the window's
 * start (backdated for clock skew) until the end of the next window, so every request that uses
 * it has at least 15 minutes left — enough for the request to start; longer writes re-sign per
 * request (see the write pipeline in azure.ts) — and it never outlives its delegation key.
 */

export const SAS_WINDOW_MS = 15 * 60_000;
/** A cached SAS with less than this left (its key ends early) is signed again. */
const MIN_REMAINING_MS = 60_000;
const DEFAULT_MAX_ENTRIES = 10_000;

export type OperationPermission = 'r' | 'c' | 'w' | 'd' | 'l';
const READ_ONLY_PERMISSIONS: ReadonlySet<OperationPermission> = new Set(['r', 'l']);

export interface SasGrant {
  resource: SasResource;
  /** Blob name for `b`, directory path (no trailing '/') for `d`, '' for `c`. */
  path: string;
  permissions: OperationPermission;
  /** Directory depth, for `d`. */
  depth?: number;
  /** Snapshot time (`bs`) or version id (`bv`). */
  pinnedTime?: string;
}

/** Who the SAS is for: one integration's container in one account. */
export interface OperationSasScope {
  /** Cache key prefix: integration cache namespace, account and container. */
  key: string;
  integrationId: string;
  mode: Mode;
  /** Account name as the service knows it (what the signature names). */
  account: string;
  container: string;
  /** For error messages. */
  uri: string;
  /** A signer whose delegation key is valid until at least `neededUntil` (epoch ms) where Azure allows. */
  signer(neededUntil: number): Promise<UserDelegationSasSigner>;
}

interface Entry { window: number; expiresAt: number; query: string }

export class OperationSas {
  readonly #now: () => number;
  readonly #skewMs: number;
  readonly #maxEntries: number;
  /** Insertion-ordered: the oldest entries go first when the map is full. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: { now: () => number; clockSkewSeconds: number; maxEntries?: number }) {
    this.#now = options.now;
    this.#skewMs = options.clockSkewSeconds * 1000;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** The SAS query string (no leading `?`) for one operation. READ_ONLY for any write permission on a read-only integration. */
  async query(scope: OperationSasScope, grant: SasGrant): Promise<string> {
    if (scope.mode !== 'read-write' && !READ_ONLY_PERMISSIONS.has(grant.permissions)) {
      throw new ReadOnlyError(
        `integration "${scope.integrationId}" is read-only: no SAS with "${grant.permissions}" permission is ever minted for it (${scope.uri})`,
        { integrationId: scope.integrationId, uri: scope.uri },
      );
    }
    if (grant.pinnedTime !== undefined && grant.permissions !== 'r') {
      // A snapshot or version never changes: nothing but reads is ever signed for one.
      throw new ReadOnlyError(`${scope.uri} names a snapshot or version, which is read-only: no "${grant.permissions}" SAS is minted for it`, { integrationId: scope.integrationId, uri: scope.uri });
    }
    const now = this.#now();
    const window = Math.floor(now / SAS_WINDOW_MS);
    const key = `${scope.key}\n${grant.resource}\n${grant.permissions}\n${grant.path}${grant.pinnedTime !== undefined ? `\n${grant.pinnedTime}` : ''}`;
    const cached = this.#entries.get(key);
    if (cached && cached.window === window && cached.expiresAt - now >= MIN_REMAINING_MS) return cached.query;

    const windowStart = window * SAS_WINDOW_MS;
    const wanted = windowStart + 2 * SAS_WINDOW_MS;
    const signer = await scope.signer(wanted);
    const expiresAt = Math.min(wanted, signer.expiresOn.getTime());
    const startsOn = Math.max(windowStart - this.#skewMs, signer.startsOn.getTime());
    const query = signer.sign({
      account: scope.account,
      container: scope.container,
      blob: grant.path,
      permissions: grant.permissions,
      resource: grant.resource,
      ...(grant.depth !== undefined ? { directoryDepth: grant.depth } : {}),
      ...(grant.pinnedTime !== undefined ? { pinnedTime: grant.pinnedTime } : {}),
      startsOn: new Date(startsOn),
      expiresOn: new Date(expiresAt),
    });
    this.#entries.delete(key);
    this.#entries.set(key, { window, expiresAt, query });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
    return query;
  }

  /** Drops every SAS whose scope key starts with `prefix` (its delegation key was refused or replaced). */
  forget(prefix: string): void {
    for (const key of [...this.#entries.keys()]) if (key.startsWith(prefix)) this.#entries.delete(key);
  }

  clear(): void { this.#entries.clear(); }
}

/** `url` with the SAS appended to whatever query it already has. */
export function withSas(url: string, sas: string): string {
  // '' is an anonymous integration's "SAS": the plain URL.
  if (sas === '') return url;
  return `${url}${url.includes('?') ? '&' : '?'}${sas}`;
}
