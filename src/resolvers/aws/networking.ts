/**
 * What the SDK clients need to reach the network: agents (proxy tunnels, connect timeouts). They
 * load node:http, https and tls, so they are imported with the first S3 or STS client, never by a
 * process that only presigns (src/resolvers/aws.ts). The settings of S3-compatible stores are
 * store-client.ts, loaded only for a store.
 */
export { awsAgents, stsProxyAgents } from './proxy-agents.js';

