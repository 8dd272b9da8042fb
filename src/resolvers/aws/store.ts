import { createHash } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { rootCertificates } from 'node:tls';
import type { LookupFunction } from 'node:net';
import { classifyAddress } from '../../net/address-class.js';
import type { AwsEndpoint } from '../../types.js';
import { connectTimeoutAgents } from './agents.js';
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

/**
 * Name resolution for store connections: endpoint URLs are platform configuration and may be
 * private, but a name that resolves to a cloud metadata address is refused at connect time too
 * (validation refuses metadata literals; this covers DNS answers).
 */
export const noMetadataLookup: LookupFunction = (hostname, options, callback) => {
  const refuse = (address: string): boolean => classifyAddress(address).metadata;
  const all = (options as LookupAllOptions).all === true;
  dnsLookup(hostname, { ...(options as LookupOneOptions), all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return (callback as (e: NodeJS.ErrnoException | null, a: string, f?: number) => void)(error, '', undefined);
    const blocked = addresses.find((a) => refuse(a.address));
    if (blocked) {
      const refusal = Object.assign(new Error(`${hostname} resolves to a cloud metadata address; an S3-compatible store is never reached there`), { code: 'EACCES' });
      return (callback as (e: NodeJS.ErrnoException | null, a: string, f?: number) => void)(refusal, '', undefined);
    }
    if (all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const first = addresses[0];
    if (!first) return (callback as (e: NodeJS.ErrnoException | null, a: string, f?: number) => void)(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', undefined);
    return (callback as (e: null, a: string, f: number) => void)(null, first.address, first.family);
  });
};

/**
 * What an S3Client of a store is built with (on top of region and credentials): its URL and
 * addressing; checksums only where the store requires them ('WHEN_REQUIRED': R2 and B2 reject the
 * SDK's default CRC headers on plain PUTs, MinIO and Ceph accept either); agents that trust the
 * store's private CA (Node's roots kept) for this client only.
 */
export function storeClientConfig(endpoint: AwsEndpoint, requestTimeoutMs: number): {
  endpoint: string;
  forcePathStyle: boolean;
  requestChecksumCalculation: 'WHEN_REQUIRED';
  responseChecksumValidation: 'WHEN_REQUIRED';
  requestHandler: Record<string, unknown>;
} {
  const tls = endpoint.ca === undefined ? {} : { ca: [...rootCertificates, endpoint.ca] };
  return {
    endpoint: endpoint.url,
    forcePathStyle: storePathStyle(endpoint),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { socketTimeout: requestTimeoutMs, ...connectTimeoutAgents(requestTimeoutMs, { ...tls, lookup: noMetadataLookup }) },
  };
}

/** What an STSClient of a store's STS is built with: its URL and the same CA and lookup rules. */
export function storeStsConfig(endpoint: AwsEndpoint & { stsUrl: string }, requestTimeoutMs: number): { endpoint: string; requestHandler: Record<string, unknown> } {
  const tls = endpoint.ca === undefined ? {} : { ca: [...rootCertificates, endpoint.ca] };
  return {
    endpoint: endpoint.stsUrl,
    requestHandler: {
      connectionTimeout: requestTimeoutMs, socketTimeout: requestTimeoutMs, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true,
      ...connectTimeoutAgents(requestTimeoutMs, { ...tls, lookup: noMetadataLookup }),
    },
  };
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
