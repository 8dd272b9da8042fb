import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '../../errors.js';
import { bypassesProxy, proxyFor } from '../../net/proxy-settings.js';
import type { AwsEndpoint } from '../../types.js';
import type { DriverContext } from '../driver.js';
import { FastS3Presigner } from './presigner.js';

/**
 * S3-compatible stores per integration (`AwsIntegration.endpoint`): each store gets its own SDK
 * client settings, agents and presigner, so AWS and MinIO/R2/B2 integrations live side by side in
 * one resolver without sharing a connection pool, a CA or a signing host.
 */

/** Region a store signs for when its endpoint names none: what MinIO and Ceph expect. */
export const DEFAULT_STORE_REGION = 'us-east-1';

/** Stores are path-style unless told otherwise: most S3-compatible servers have no wildcard DNS. */
export function storePathStyle(endpoint: AwsEndpoint): boolean {
  return endpoint.forcePathStyle ?? true;
}

export function storeRegion(endpoint: AwsEndpoint): string {
  return endpoint.region ?? DEFAULT_STORE_REGION;
}

/** Distinguishes SDK clients of stores (an integration updated to another store never reuses the old client). */
export function storeKey(endpoint: AwsEndpoint | undefined): string {
  if (endpoint === undefined) return '';
  const { url, publicUrl = '', region = '', ca = '' } = endpoint;
  return createHash('sha256').update([url, publicUrl, region, String(storePathStyle(endpoint)), ca].join('\n')).digest('hex').slice(0, 16);
}

const MAX_PRESIGNERS = 256;

/**
 * One presigner per store, naming `publicUrl` when set: the URL a browser gets is signed for the
 * host the browser sends (SigV4 signs the Host header), so it must be built on the public origin,
 * never rewritten after signing.
 */
export class StorePresigners {
  readonly #byStore = new Map<string, FastS3Presigner>();

  for(endpoint: AwsEndpoint): FastS3Presigner {
    const key = `${endpoint.publicUrl ?? endpoint.url}|${storePathStyle(endpoint)}`;
    let presigner = this.#byStore.get(key);
    if (!presigner) {
      presigner = new FastS3Presigner({ endpoint: endpoint.publicUrl ?? endpoint.url, forcePathStyle: storePathStyle(endpoint) });
      if (this.#byStore.size >= MAX_PRESIGNERS) this.#byStore.clear();
      this.#byStore.set(key, presigner);
    }
    return presigner;
  }
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
