import type http from 'node:http';
import type https from 'node:https';
import { InvalidArgumentError } from '../../errors.js';
import { bypassesProxy, createProxyAgents, proxyFor, type ProxyConfig } from '../../net/proxy.js';
import type { DriverContext } from '../driver.js';
import { connectTimeoutAgents } from './agents.js';

/**
 * The agents of the S3 and STS clients: through `platform.proxy` (CONNECT tunnels) when it covers
 * aws, else the connect-timeout agents (S3) or the SDK's own (STS). One proxy agent pair per
 * driver context, so S3 clients share pooled tunnels.
 */
const shared = new WeakMap<DriverContext, { httpAgent: http.Agent; httpsAgent: https.Agent } | null>();

function proxied(ctx: DriverContext): { httpAgent: http.Agent; httpsAgent: https.Agent } | undefined {
  let agents = shared.get(ctx);
  if (agents === undefined) {
    const config: ProxyConfig | undefined = proxyFor(ctx.platform.proxy, 'aws', ctx.platform.noProxy);
    agents = config ? createProxyAgents(config, { connectTimeoutMs: ctx.requestTimeoutMs }) : null;
    shared.set(ctx, agents);
  }
  return agents ?? undefined;
}

/** S3 client agents. */
export function awsAgents(ctx: DriverContext): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  return proxied(ctx) ?? connectTimeoutAgents(ctx.requestTimeoutMs);
}

/** STS client agents: only when proxied (otherwise the SDK default). */
export function stsProxyAgents(ctx: DriverContext): { httpAgent?: http.Agent; httpsAgent?: https.Agent } {
  return proxied(ctx) ?? {};
}

/**
 * S3-compatible stores keep their own agents (their CA, the metadata-address lookup guard), which
 * are not wired to the proxy yet. Rather than send a store's traffic around a proxy the platform
 * set for aws, refuse unless the store's host is listed in `noProxy` (docs/providers/s3-compatible.md).
 */
export function refuseProxiedStore(ctx: DriverContext, endpointUrl: string, integrationId: string): void {
  const config = proxyFor(ctx.platform.proxy, 'aws', ctx.platform.noProxy);
  if (!config) return;
  const url = new URL(endpointUrl);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (bypassesProxy(url.hostname, port, config.noProxy)) return;
  throw new InvalidArgumentError(
    `integration "${integrationId}": platform.proxy covers aws, but requests to S3-compatible store ${url.host} are not routed through a proxy yet; `
      + `add "${url.hostname}" to platform.noProxy to reach it directly`,
    { integrationId },
  );
}
