/**
 * What the SDK clients need to reach the network: agents (proxy tunnels, connect timeouts) and the
 * settings of S3-compatible stores. They load node:http, https, tls and dns, so they are imported
 * with the first S3 or STS client, never by a process that only presigns (src/resolvers/aws.ts).
 */
export { awsAgents, stsProxyAgents } from './proxy-agents.js';
export { storeClientConfig, storeStsConfig } from './store-client.js';

