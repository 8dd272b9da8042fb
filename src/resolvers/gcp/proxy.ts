import type http from 'node:http';
import type https from 'node:https';
import { createProxyFetch, proxyAgentFor, type FetchLike } from '../../net/proxy-fetch.js';
import { createProxyAgents } from '../../net/proxy.js';
import { bypassesProxy, proxyFor, type ProxyConfig } from '../../net/proxy-settings.js';
import type { DriverContext } from '../driver.js';

/**
 * GCP egress through `platform.proxy` (when it covers gcp): one set per driver context, shared by
 * every GCP request path —
 *  - `fetch`: IAM Credentials (generateAccessToken, signBlob), STS token exchanges, GCS upload
 *    sessions (start, chunks, status, cancel);
 *  - `agent`: google-auth-library / gaxios (the platform identity's own token refresh, the storage
 *    SDK's resumable-session start), chosen per URL so http emulators get a plain tunnel;
 *  - `storageProxyUrl`: what @google-cloud/storage's request layer (teeny-request) takes — it has
 *    no agent option, only `proxy`, which it tunnels with CONNECT for https targets.
 * Without a gcp proxy every field is undefined and nothing changes.
 */
export interface GcpEgress {
  fetch: FetchLike;
  agent: (url: URL | string | { protocol?: string | null }) => http.Agent;
  /** The proxy URL for `url`, or undefined when NO_PROXY lists its host. */
  storageProxyUrl: (url: string) => string | undefined;
}

const shared = new WeakMap<DriverContext, GcpEgress | null>();

export function gcpEgress(ctx: DriverContext): GcpEgress | undefined {
  let egress = shared.get(ctx);
  if (egress === undefined) {
    const config = proxyFor(ctx.platform.proxy, 'gcp', ctx.platform.noProxy);
    egress = config ? build(config, ctx.requestTimeoutMs) : null;
    shared.set(ctx, egress);
  }
  return egress ?? undefined;
}

function build(config: ProxyConfig, connectTimeoutMs: number): GcpEgress {
  const agents: { httpAgent: http.Agent; httpsAgent: https.Agent } = createProxyAgents(config, { connectTimeoutMs });
  return {
    fetch: createProxyFetch(config, { connectTimeoutMs }),
    agent: (url) => proxyAgentFor(agents, url),
    storageProxyUrl: (url) => {
      const target = new URL(url);
      const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
      return bypassesProxy(target.hostname, port, config.noProxy) ? undefined : config.url.href.replace(/\/$/, '');
    },
  };
}
