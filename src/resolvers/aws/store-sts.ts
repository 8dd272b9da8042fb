import type { STSClient } from '@aws-sdk/client-sts';
import { readSecret } from '../../auth/secret-value.js';
import type { AwsIntegration } from '../../types.js';
import { loadStoreClient, loadSts } from './sdk.js';
import { storeKey, storeRegion } from './store.js';

/**
 * STS clients of S3-compatible stores (MinIO, Ceph RGW): AssumeRole at `endpoint.stsUrl`, signed
 * by the store's own user (`endpoint.stsCredentials`) — never by the platform's AWS identity,
 * which another store does not know and must not be sent to.
 */

type StoreConfig = Pick<AwsIntegration, 'id' | 'endpoint'>;

export class StoreStsClients {
  readonly #clients = new Map<string, Promise<STSClient>>();
  readonly #requestTimeoutMs: number;

  constructor(requestTimeoutMs: number) {
    this.#requestTimeoutMs = requestTimeoutMs;
  }

  /** The STS client of the integration's store. */
  get(config: StoreConfig): Promise<STSClient> {
    const endpoint = config.endpoint;
    const stsUrl = endpoint?.stsUrl;
    const caller = endpoint?.stsCredentials;
    if (endpoint === undefined || stsUrl === undefined || caller === undefined) throw new TypeError('not an assume-role integration on an S3-compatible store');
    // Per integration: two integrations may name the same store with different users.
    const key = `${config.id}|${storeKey(endpoint)}|${stsUrl}|${caller.accessKeyId}`;
    const existing = this.#clients.get(key);
    if (existing) return existing;
    const created = Promise.all([loadSts(), loadStoreClient()]).then(([{ STSClient }, { storeStsConfig }]) => new STSClient({
      region: storeRegion(endpoint),
      ...storeStsConfig({ ...endpoint, stsUrl }, this.#requestTimeoutMs),
      // Read on each call, so a vault-held secret may rotate.
      credentials: async () => ({
        accessKeyId: caller.accessKeyId,
        secretAccessKey: await readSecret(caller.secretAccessKey, 'endpoint.stsCredentials.secretAccessKey', { integrationId: config.id, describe: `integration "${config.id}"` }),
      }),
      // One attempt per call: the credential cache retries with backoff.
      maxAttempts: 1,
    }));
    created.catch(() => this.#clients.delete(key));
    this.#clients.set(key, created);
    return created;
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    for (const sts of clients) (await sts.catch(() => undefined))?.destroy();
  }
}
