/**
 * `assetlink/testing`: the in-process fakes assetlink's own tests run against, for users' test
 * harnesses. The S3, STS, GCS and Entra fakes are our own; Azurite and certificate generation
 * (selfsigned) are not dependencies of assetlink: a test setup installs them as dev dependencies
 * (README, "Install"). They are loaded only when a fake that needs them starts; a missing one is a
 * MISSING_DEPENDENCY error naming the package.
 */
export { startFakeCloud } from './cloud.js';
export type { FakeCloud, FakeCloudOptions, FakeProvider, CustomerGrant } from './cloud.js';
export { createTestResolver } from './resolver.js';
export type { TestResolver, TestResolverOptions } from './resolver.js';
export { memoryStore, putMemoryObject, clearMemoryStores, type MemoryObject } from '../resolvers/memory-store.js';
export { startAwsFakes } from './aws/index.js';
export { startFakeGcp } from './gcp/index.js';
export { startAzureTestEnvironment } from './azure/index.js';
export { ForwardProxy } from './forward-proxy.js';
export type { ForwardProxyOptions, ForwardProxyRequest } from './forward-proxy.js';
/** Every AWS fake and helper (FakeSts, FakeS3Server, the IAM policy evaluator, …). */
export * as aws from './aws/index.js';
/** Every GCP fake and helper (FakeGcs, FakeIam, FakeSts, the identity directory, …). */
export * as gcp from './gcp/index.js';
/** Every Azure fake and helper (AzuriteBlobServer, FakeEntra, FakeOidcIssuer, test certificates, …). */
export * as azure from './azure/index.js';
