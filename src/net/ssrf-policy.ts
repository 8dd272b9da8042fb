import { BlockedHostError } from '../errors.js';
import { hostAllowed } from '../integrations/match.js';
import { classifyAddress, type AddressClass } from './address-class.js';
import type { TargetUrl } from './target-url.js';

/** What one https integration may reach. Built per request from the integration and platform options. */
export interface SsrfPolicy {
  /** The integration's `scope.hosts`: exact names or `*.suffix`. Checked on every hop. */
  allowedHosts: readonly string[];
  /** Ports besides 443 (tests only). */
  allowPorts: readonly number[];
  /** Hosts whose non-public addresses are accepted (tests only). Metadata addresses never are. */
  allowPrivateHosts: readonly string[];
}

/**
 * Name-level checks for one hop, before any connection: the host is on the allow-list, the port
 * is 443 (or allowed), and an IP-literal host is itself an acceptable address.
 */
export function checkTarget(target: TargetUrl, policy: SsrfPolicy): void {
  if (!hostAllowed(target.host, policy.allowedHosts)) {
    throw new BlockedHostError(`BLOCKED_HOST: ${target.display}: host "${target.host}" is not in the integration's allowed hosts`);
  }
  if (target.port !== 443 && !policy.allowPorts.includes(target.port)) {
    throw new BlockedHostError(`BLOCKED_HOST: ${target.display}: port ${target.port} is refused; only 443 is fetched (platform.https.allowPorts opens others, for tests)`);
  }
  if (target.ipFamily !== 0) checkAddresses(target, [target.hostname], policy);
}

/**
 * Address-level check, run on exactly the addresses the socket will use. Every address must pass:
 * an answer mixing a public and a private address is refused as a whole, because a client that
 * falls back from one to the other (or a rebinding DNS server) would reach the private one.
 */
export function checkAddresses(target: TargetUrl, addresses: readonly string[], policy: SsrfPolicy): void {
  if (addresses.length === 0) throw new BlockedHostError(`BLOCKED_HOST: ${target.display}: "${target.host}" resolved to no address`);
  const privateAllowed = policy.allowPrivateHosts.some((h) => h.toLowerCase() === target.host || h.toLowerCase() === target.hostname);
  for (const address of addresses) {
    const verdict = classifyAddress(address);
    if (acceptable(verdict, privateAllowed)) continue;
    const what = target.ipFamily !== 0 ? `the address ${target.host}` : `"${target.host}" resolves to an address that`;
    throw new BlockedHostError(`BLOCKED_HOST: ${target.display}: ${what} is ${describe(verdict)}; assetlink only connects to public addresses`);
  }
}

/** Public unicast, or (only for allowPrivateHosts) anything that is a valid non-metadata address. */
export function acceptable(verdict: AddressClass, privateAllowed: boolean): boolean {
  if (verdict.metadata || verdict.range === 'invalid') return false;
  return verdict.public || privateAllowed;
}

function describe(verdict: AddressClass): string {
  const embedded = verdict.embedded ? ` (embedding ${verdict.embedded.range} IPv4)` : '';
  return verdict.metadata ? 'a cloud metadata endpoint' : `in the non-public "${verdict.range}" range${embedded}`;
}
