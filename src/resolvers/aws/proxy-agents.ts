import type http from 'node:http';
import type https from 'node:https';
import { createProxyAgents } from '../../net/proxy.js';
import { proxyFor, type ProxyConfig } from '../../net/proxy-settings.js';
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
