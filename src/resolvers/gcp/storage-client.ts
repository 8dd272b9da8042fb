import type http from 'node:http';
import type { Storage } from '@google-cloud/storage';
import { missingDependency } from '../../optional-import.js';
import type { GcpEgress } from './proxy.js';

/**
 * An @google-cloud/storage client whose every request carries the token assetlink's credential
 * cache hands out. Both SDKs are imported on first use only (S3-only users never load them).
 */

export const DEFAULT_API_ENDPOINT = 'https://storage.googleapis.com';

export interface StorageClientOptions {
  apiEndpoint: string;
  /** Omitted: unauthenticated requests (anonymous integrations), never a fallback identity. */
  token?: () => Promise<string>;
  maxRetries: number;
  /** Per-request timeout, ms (a silent server must not hang a resolve). */
  timeoutMs: number;
  /** `platform.proxy` for gcp (src/resolvers/gcp/proxy.ts); omitted: direct. */
  egress?: GcpEgress;
}

export async function createStorageClient(options: StorageClientOptions): Promise<Storage> {
  const [{ Storage }, { OAuth2Client }] = await Promise.all([
    import('@google-cloud/storage').catch(missingDependency('@google-cloud/storage')),
    import('google-auth-library').catch(missingDependency('google-auth-library')),
  ]);

  /**
   * The smallest AuthClient the storage SDK accepts: no refresh token, no token endpoint; the
   * token comes from assetlink's cache (single-flight, refresh-ahead) on every request.
   */
  const token = options.token;
  const egress = options.egress;
  class CachedTokenClient extends OAuth2Client {
    override async getAccessToken(): Promise<{ token: string }> {
      if (!token) throw new Error('anonymous client has no token');
      return { token: await token() };
    }

    protected override async getRequestMetadataAsync(): Promise<{ headers: Record<string, string> }> {
      // Anonymous: no Authorization header at all (not ADC, not the platform's identity).
      return { headers: token ? { Authorization: `Bearer ${await token()}` } : {} };
    }
  }

  // gaxios (the SDK's resumable-session start) takes an agent per URL through the client's transporter.
  const agent = egress ? (url: { protocol?: string | null }) => egress.agent(url) : undefined;
  const storage = new Storage({
    apiEndpoint: options.apiEndpoint,
    authClient: new CachedTokenClient(agent ? { transporterOptions: { agent: agent as unknown as http.Agent } } : {}),
    // Custom endpoints (private access, tests) still need auth: without this the SDK drops it.
    useAuthWithCustomEndpoint: true,
    // A placeholder: object calls never need a project, and without one the SDK would go looking
    // (metadata server, gcloud config) for a value it does not use.
    projectId: 'assetlink',
    timeout: options.timeoutMs,
    retryOptions: { autoRetry: options.maxRetries > 0, maxRetries: options.maxRetries, maxRetryDelay: 8, totalTimeout: 60 },
  });
  if (egress) {
    // The JSON API calls (teeny-request) take no agent, only `proxy`: every request of the client
    // and its buckets and files passes this interceptor, which names the proxy unless NO_PROXY
    // lists the endpoint's host.
    storage.interceptors.push({
      request: (reqOpts) => {
        const opts = reqOpts as unknown as { uri?: string; url?: string; proxy?: string };
        const uri = String(opts.uri ?? opts.url ?? options.apiEndpoint);
        const proxy = egress.storageProxyUrl(uri.startsWith('http') ? uri : options.apiEndpoint);
        if (proxy) opts.proxy = proxy;
        return reqOpts as never;
      },
    });
  }
  return storage;
}
