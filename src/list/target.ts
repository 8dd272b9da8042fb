import { InvalidArgumentError, NoIntegrationError, OutOfScopeError, TenantRequiredError, UnsupportedUriError } from '../errors.js';
import type { AssetLinkEvent } from '../events.js';
import { coverage, type MatchOutcome } from '../integrations/match.js';
import type { RegisteredIntegration } from '../integrations/registered.js';
import type { ProviderDriver } from '../resolvers/driver.js';
import type { AssetLocation, Provider } from '../types.js';
import { azureBlobUri, canonicalUri, encodeKeyForUrl } from '../uri/index.js';
import type { ListIntegrationRef } from './types.js';

/**
 * What the listing code needs from the resolver that owns it. A tenant view hands in its own
 * `candidates` and `lookup`, so integrations of other tenants stay invisible to its listings.
 */
export interface ListingContext {
  parse(uri: string): AssetLocation;
  /** Integrations that could cover the location (same provider and bucket), in registration order. */
  candidates(location: AssetLocation): readonly RegisteredIntegration[];
  /** The resolver's own matching by scope (tenant rules, disabled integrations), for a URI naming no integration. */
  matchByScope(location: AssetLocation): MatchOutcome;
  lookup(ref: ListIntegrationRef): RegisteredIntegration;
  driver(provider: Provider): Promise<ProviderDriver>;
  emit(event: AssetLinkEvent): void;
  /** Whether anyone listens: events are not built otherwise. */
  listening: boolean;
  now(): number;
}

/** A listing resolved to the integration that may perform it. */
export interface ListingTarget {
  integration: RegisteredIntegration;
  /** The listed location; its key is `prefix`. */
  location: AssetLocation;
  /** Key prefix listed: '' (the whole bucket) or ending in '/'. */
  prefix: string;
  /** Everything the integration may list starts with this: '' or ending in '/'. */
  scopeRoot: string;
  /** The canonical URI of a key in the listed bucket/container. */
  uriOf(key: string): string;
}

/**
 * The listed URI names a folder: `s3://b/images` and `s3://b/images/` both list the keys under
 * `images/` (segment-aware, like integration scopes; `images-old/…` is never listed). A partial
 * name is a `match` glob (`images/2024-*`), whose literal part still narrows the provider request.
 */
export function folderPrefix(key: string): string {
  return key === '' || key.endsWith('/') ? key : `${key}/`;
}

/** The integration that covers every key below the listed folder, or a typed refusal. */
export function resolveListingTarget(ctx: ListingContext, uri: string, ref: ListIntegrationRef | undefined): ListingTarget {
  const parsed = ctx.parse(uri);
  if (parsed.presigned !== undefined) {
    throw new UnsupportedUriError(`${parsed.uri} is a pre-signed URL for one object; list a bucket or prefix URI instead`, { uri: parsed.uri });
  }
  if (parsed.provider === 'https') {
    throw new UnsupportedUriError(`${parsed.uri}: https hosts cannot be listed; list an s3://, gs://, Azure blob, file:// or memory:// URI`, { uri: parsed.uri });
  }
  const pinned = parsed as AssetLocation & { version?: unknown; snapshot?: unknown };
  if (pinned.version !== undefined || pinned.snapshot !== undefined) {
    throw new InvalidArgumentError(`${parsed.uri} names one version of an object; list the prefix without a version`, { uri: parsed.uri });
  }
  const prefix = folderPrefix(parsed.key);
  // Covering a key one character below the folder is covering the whole folder (scopes are folders too).
  const probe: AssetLocation = { ...parsed, key: `${prefix}x` };
  const listed = describe(parsed, prefix);
  let integration: RegisteredIntegration;
  let located: AssetLocation;
  try {
    if (ref !== undefined) {
      integration = ctx.lookup(ref);
      const c = coverage(integration, probe);
      if (!c.ok) throw refusal(listed, [integration], parsed, prefix, c.why);
      located = c.location;
    } else {
      const candidates = ctx.candidates(parsed);
      try {
        const outcome = ctx.matchByScope(probe);
        integration = outcome.integration;
        located = outcome.location;
      } catch (error) {
        // A call that must go through a tenant view says so, rather than which scopes exist.
        if (!(error instanceof NoIntegrationError) || error instanceof TenantRequiredError) throw error;
        throw refusal(listed, candidates, parsed, prefix, undefined);
      }
    }
  } catch (error) {
    if (error instanceof NoIntegrationError || error instanceof OutOfScopeError) {
      ctx.emit({
        type: 'scope.refused', time: new Date(ctx.now()), uri: listed, code: error.code, provider: parsed.provider,
        ...(error.integrationId !== undefined ? { integrationId: error.integrationId } : {}),
      });
    }
    throw error;
  }
  const account = located.account ?? parsed.account;
  // az:// names no cloud: the matched integration's (like its account) decides the host of listed URIs.
  const cloud = located.cloud ?? parsed.cloud;
  const location: AssetLocation = { ...parsed, ...(account !== undefined ? { account } : {}), ...(cloud !== undefined ? { cloud } : {}), key: prefix, uri: '' };
  const uriOf = uriBuilder(parsed, account, cloud);
  location.uri = uriOf(prefix);
  return { integration, location, prefix, scopeRoot: scopeRootOf(integration), uriOf };
}

/** `images/` for prefix `images`, '' for a whole bucket; the root directory for file integrations. */
export function scopeRootOf(integration: RegisteredIntegration): string {
  const config = integration.config;
  const root = config.provider === 'file' ? config.scope.root.replace(/^\/+/, '').replace(/\/+$/, '') : integration.prefix;
  return root === '' ? '' : `${root}/`;
}

function describe(location: AssetLocation, prefix: string): string {
  return uriBuilder(location, location.account)(prefix);
}

/**
 * Canonical URIs of listed keys, built like the listed URI's own: the part before its key, plus
 * each key (literal in s3://, gs://, az:// and memory:// forms; percent-encoded in https and file forms).
 */
function uriBuilder(location: AssetLocation, account: string | undefined, cloud?: AssetLocation['cloud']): (key: string) => string {
  if (location.provider === 'azure' && location.account === undefined && account !== undefined) {
    const base = azureBlobUri(account, location.bucket, '', cloud);
    return (key) => `${base}${encodeKeyForUrl(key)}`;
  }
  const literal = !/^(?:https?|file):/i.test(location.uri);
  const keyPart = literal ? location.key : encodeKeyForUrl(location.key);
  const base = location.uri.endsWith(keyPart) && !location.uri.includes('?')
    ? location.uri.slice(0, location.uri.length - keyPart.length)
    : canonicalUri(location.provider, location.bucket, '', account);
  return literal ? (key) => `${base}${key}` : (key) => `${base}${encodeKeyForUrl(key)}`;
}

/**
 * Why the folder cannot be listed: OUT_OF_SCOPE when an integration of that bucket covers only
 * part of it (the listing would be wider than the scope) or was named and does not cover it;
 * NO_INTEGRATION when nothing covers any of it.
 */
function refusal(
  listed: string, candidates: readonly RegisteredIntegration[], location: AssetLocation, prefix: string, why: string | undefined,
): NoIntegrationError | OutOfScopeError {
  const inside = candidates.filter((reg) => {
    if (reg.provider !== location.provider) return false;
    const root = scopeRootOf(reg);
    return root.startsWith(prefix) && root !== prefix && coverage(reg, { ...location, key: `${root}x` }).ok;
  });
  if (inside.length > 0) {
    const reg = inside[0]!;
    const scopeUri = uriBuilder(location, location.account ?? accountOf(reg))(scopeRootOf(reg));
    return new OutOfScopeError(
      `listing ${listed} is wider than the scope of integration "${reg.id}", which covers ${scopeUri} only; list ${scopeUri} or a prefix below it`,
      { uri: listed, integrationId: reg.id },
    );
  }
  if (why !== undefined && candidates.length === 1) {
    return new OutOfScopeError(`listing ${listed} is out of scope: ${why}`, { uri: listed, integrationId: candidates[0]!.id });
  }
  return new NoIntegrationError(`no integration covers listing ${listed}. Register an integration whose scope includes that folder, or pass one explicitly.`, { uri: listed });
}

function accountOf(reg: RegisteredIntegration): string | undefined {
  return reg.config.provider === 'azure' ? reg.config.scope.account : undefined;
}
