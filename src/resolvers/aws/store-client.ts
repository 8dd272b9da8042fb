import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { rootCertificates } from 'node:tls';
import { classifyAddress } from '../../net/address-class.js';
import type { AwsEndpoint } from '../../types.js';
import { connectTimeoutAgents } from './agents.js';
import { storePathStyle } from './store.js';

/*
 * How SDK clients of an S3-compatible store reach it (CA, metadata-address guard, agents). Loaded
 * with the first client of a store (sdk.ts loadStoreClient), never for presigning nor for AWS itself.
 */

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
