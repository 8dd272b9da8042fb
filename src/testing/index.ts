/**
 * `assetlink/testing`: in-process fakes for users' test harnesses. Heavy servers (s3rver, Azurite)
 * are optional peer dependencies loaded only when asked for.
 */
export { memoryStore, putMemoryObject, clearMemoryStores, type MemoryObject } from '../resolvers/memory-store.js';
export * from './gcp/index.js';
export * as azure from './azure/index.js';
