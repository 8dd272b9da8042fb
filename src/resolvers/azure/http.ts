import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { TokenCredential } from '@azure/identity';
import type { Pipeline, StoragePipelineOptions, StorageSharedKeyCredential } from '@azure/storage-blob';

type StorageBlobModule = typeof import('@azure/storage-blob');

/**
 * A keep-alive HTTPS agent that trusts `ca` in addition to the public roots (tests point it at a
 * self-signed Azurite / fake Entra certificate). Undefined when no extra CA is configured, so
 * production traffic uses the SDK's own agent. The process-wide trust store and
 * NODE_TLS_REJECT_UNAUTHORIZED are never touched.
 */
export function createTrustingAgent(ca: string | undefined): https.Agent | undefined {
  if (!ca) return undefined;
  // A custom `ca` replaces Node's roots; keep them so public endpoints still verify.
  return new https.Agent({ keepAlive: true, ca: [...rootCertificates, ca] });
}

/**
 * A storage pipeline whose requests go through `agent` and give up when no response headers have
 * arrived after `requestTimeoutMs` (per request, so a long download or a many-block upload is not
 * cut short, but a hung connection is). The storage SDK has neither option, but it runs extra v1
 * request-policy factories found in `pipeline.factories` (its documented extension point), and
 * `agent` / `timeout` set there are passed through to the real request.
 */
export function storagePipeline(
  sdk: StorageBlobModule,
  credential: TokenCredential | StorageSharedKeyCredential | undefined,
  agent: https.Agent | undefined,
  options: StoragePipelineOptions = {},
  requestTimeoutMs?: number,
): Pipeline {
  const pipeline = sdk.newPipeline(credential, options);
  if (agent || requestTimeoutMs) {
    pipeline.factories.push({
      create: (next) => ({
        sendRequest: (request) => {
          if (agent) request.agent = agent;
          if (requestTimeoutMs && !request.timeout) request.timeout = requestTimeoutMs;
          return next.sendRequest(request);
        },
      }),
    });
  }
  return pipeline;
}
