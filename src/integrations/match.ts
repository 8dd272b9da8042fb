import { BlockedHostError, NoIntegrationError, OutOfScopeError } from '../errors.js';
import type { AssetLocation } from '../types.js';
import { azureBlobUri, isUnder } from '../uri/index.js';
import { s3BucketKind } from '../uri/aws-names.js';
import { awsPartitionOf } from './aws-scope.js';
import { coversStore, storeOf } from './store-endpoints.js';
import type { RegisteredIntegration } from './registered.js';

/** `*.example.com` allows any sub-domain of example.com, never example.com itself. */
export function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const h = host.toLowerCase();
  return patterns.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p));
}

export interface MatchOutcome {
  integration: RegisteredIntegration;
  location: AssetLocation;
  reason: string;
  matchedPrefix: string;
}

/** `blockedHost`: an https allow-list refused the host (BLOCKED_HOST when the integration was named). */
type Coverage = { ok: true; prefix: string; location: AssetLocation } | { ok: false; why: string; blockedHost?: boolean };

function keyUnderPrefix(reg: RegisteredIntegration, key: string, location: AssetLocation): Coverage {
  const prefix = reg.prefix;
  return isUnder(key, prefix) || (key === '' && prefix === '')
    ? { ok: true, prefix, location }
    : { ok: false, why: `key "${key}" is outside prefix "${prefix}/" of integration "${reg.id}"` };
}

/** Does `reg` cover `loc`? Says why not, in words a person can act on. */
export function coverage(reg: RegisteredIntegration, loc: AssetLocation): Coverage {
  const config = reg.config;
  // A pre-signed S3/GCS/Azure URL carries its own credential: an https integration that allows
  // its host may fetch it as a plain URL (passed through, never re-signed).
  if (config.provider === 'https' && loc.presigned !== undefined && loc.originalUrl !== undefined) {
    const host = new URL(loc.originalUrl).hostname;
    return hostAllowed(host, config.scope.hosts)
      ? { ok: true, prefix: '', location: loc }
      : { ok: false, why: `host "${host}" is not in the allowed hosts of integration "${reg.id}"`, blockedHost: true };
  }
  if (config.provider !== loc.provider) return { ok: false, why: `integration "${reg.id}" is for ${config.provider}, the URI is ${loc.provider}` };
  switch (config.provider) {
    case 'aws': {
      // A wildcard scope ('*', tenant-bound) covers every plain bucket (its session policies name one
      // bucket each, so never an access point, alias or directory bucket); its prefix applies in each.
      const wildcardCovers = reg.wildcard && s3BucketKind(loc.bucket) === 'bucket';
      if (config.scope.bucket !== loc.bucket && !wildcardCovers) return { ok: false, why: `integration "${reg.id}" covers bucket "${config.scope.bucket}", not "${loc.bucket}"` };
      // A bucket in another partition is a different bucket; s3:// URIs name none and take the integration's.
      const partition = loc.partition === undefined ? undefined : awsPartitionOf(config);
      if (partition !== undefined && partition !== loc.partition && config.endpoint === undefined) {
        return { ok: false, why: `integration "${reg.id}" is in the AWS partition ${partition}, but the URI names a bucket in ${loc.partition}; a bucket in another partition is a different bucket` };
      }
      // A bucket on another store (AWS or an S3-compatible endpoint) is a different bucket too.
      const otherStore = coversStore(config.endpoint, loc);
      if (otherStore !== undefined) return { ok: false, why: `integration "${reg.id}" does not cover it: ${otherStore}` };
      return keyUnderPrefix(reg, loc.key, loc);
    }
    case 'gcp':
    case 'memory':
      // A wildcard scope ('*', tenant-bound) covers every bucket; its prefix applies in each.
      if (config.scope.bucket !== loc.bucket && !reg.wildcard) return { ok: false, why: `integration "${reg.id}" covers bucket "${config.scope.bucket}", not "${loc.bucket}"` };
      return keyUnderPrefix(reg, loc.key, loc);
    case 'azure': {
      if (config.scope.container !== loc.bucket && !reg.wildcard) return { ok: false, why: `integration "${reg.id}" covers container "${config.scope.container}", not "${loc.bucket}"` };
      if (loc.account !== undefined && loc.account !== config.scope.account) return { ok: false, why: `integration "${reg.id}" covers account "${config.scope.account}", not "${loc.account}"` };
      const cloud = config.scope.cloud ?? 'public';
      if (loc.cloud !== undefined && loc.cloud !== cloud) {
        return { ok: false, why: `integration "${reg.id}" is in the Azure ${cloud} cloud, but the URI names an account in the ${loc.cloud} cloud` };
      }
      const located: AssetLocation = loc.account === undefined
        ? { ...loc, account: config.scope.account, cloud, uri: azureBlobUri(config.scope.account, loc.bucket, loc.key, cloud) }
        : loc;
      return keyUnderPrefix(reg, loc.key, located);
    }
    case 'https':
      return hostAllowed(loc.bucket, config.scope.hosts)
        ? { ok: true, prefix: '', location: loc }
        : { ok: false, why: `host "${loc.bucket}" is not in the allowed hosts of integration "${reg.id}"`, blockedHost: true };
    case 'file': {
      const rootKey = config.scope.root.replace(/^\/+/, '').replace(/\/+$/, '');
      return isUnder(loc.key, rootKey)
        ? { ok: true, prefix: rootKey, location: loc }
        : { ok: false, why: `path "/${loc.key}" is outside root "${config.scope.root}" of integration "${reg.id}"` };
    }
  }
}

/** Picks the integration with the longest covering prefix; ambiguity or no cover is NO_INTEGRATION. */
export function matchByScope(integrations: Iterable<RegisteredIntegration>, loc: AssetLocation, providerRegistered = true): MatchOutcome {
  const covering: Array<{ reg: RegisteredIntegration; prefix: string; location: AssetLocation }> = [];
  const misses: RegisteredIntegration[] = [];
  for (const reg of integrations) {
    // Cheap prefix pre-check first: with many tenants per bucket most candidates fail here.
    if (reg.prefix !== '' && !isUnder(loc.key, reg.prefix)) { misses.push(reg); continue; }
    const c = coverage(reg, loc);
    if (c.ok) covering.push({ reg, prefix: c.prefix, location: c.location });
    else if (reg.provider === loc.provider) misses.push(reg);
  }
  if (covering.length === 0) {
    const why = misses.slice(0, 3).map((reg) => { const c = coverage(reg, loc); return c.ok ? '' : c.why; });
    const detail = misses.length > 0 ? `; closest: ${why.join('; ')}`
      : providerRegistered ? `; no ${loc.provider} integration covers ${describeContainer(loc)}` : `; no ${loc.provider} integration is registered`;
    throw new NoIntegrationError(`no integration covers ${loc.uri}${detail}. Register an integration whose scope includes it, or pass one explicitly.`, { uri: loc.uri });
  }
  // An integration naming the bucket beats a wildcard one of the same tenant, whatever the prefixes.
  const named = covering.some((c) => !c.reg.wildcard) ? covering.filter((c) => !c.reg.wildcard) : covering;
  const longest = Math.max(...named.map((c) => c.prefix.length));
  const best = named.filter((c) => c.prefix.length === longest);
  if (loc.provider === 'azure' && loc.account === undefined) {
    const accounts = new Set(best.map((c) => c.location.account));
    if (accounts.size > 1) {
      throw new NoIntegrationError(
        `${loc.uri} names no storage account and container "${loc.bucket}" is covered in accounts ${[...accounts].map((a) => `"${a}"`).join(', ')}; use the full form https://ACCOUNT.blob.core.windows.net/${loc.bucket}/${loc.key}`,
        { uri: loc.uri },
      );
    }
  }
  if (loc.provider === 'aws' && loc.endpoint === undefined && best.length > 1) {
    const stores = new Set(best.map((c) => storeOf(c.reg)));
    if (stores.size > 1) {
      throw new NoIntegrationError(
        `${loc.uri} names no store and bucket "${loc.bucket}" is covered on ${[...stores].map((s) => (s === '' ? 'AWS' : s)).join(' and ')}; use the store's URL (e.g. ${[...stores].find((s) => s !== '') ?? ''}/${loc.bucket}/${loc.key}) or name the integration`,
        { uri: loc.uri },
      );
    }
  }
  const chosen = best[0]!;
  const ties = (best.length > 1 ? ` (${best.length} integrations tie; the first registered wins)` : '') + (chosen.reg.wildcard ? ' through its wildcard scope' : '');
  const reason = chosen.prefix === ''
    ? `integration "${chosen.reg.id}" covers all of ${describeContainer(chosen.location)}${ties}`
    : `integration "${chosen.reg.id}" covers prefix "${chosen.prefix}/" of ${describeContainer(chosen.location)}, the longest matching prefix${ties}`;
  return { integration: chosen.reg, location: chosen.location, reason, matchedPrefix: chosen.prefix };
}

/** The caller named an integration: it must cover the URI. Never falls back to another identity. */
export function matchExplicit(reg: RegisteredIntegration, loc: AssetLocation): MatchOutcome {
  const c = coverage(reg, loc);
  if (!c.ok && c.blockedHost) throw new BlockedHostError(`${loc.uri} is blocked: ${c.why}`, { uri: loc.uri, integrationId: reg.id });
  if (!c.ok) throw new OutOfScopeError(`${loc.uri} is out of scope: ${c.why}`, { uri: loc.uri, integrationId: reg.id });
  return { integration: reg, location: c.location, reason: `integration "${reg.id}" was named explicitly and covers ${loc.uri}`, matchedPrefix: c.prefix };
}

function describeContainer(loc: AssetLocation): string {
  switch (loc.provider) {
    case 'azure': return `container "${loc.bucket}" in account "${loc.account}"`;
    case 'https': return `host "${loc.bucket}"`;
    case 'file': return 'the file system root';
    default: return `bucket "${loc.bucket}"`;
  }
}
