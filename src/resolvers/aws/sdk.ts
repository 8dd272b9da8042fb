import { requireCommonJs } from '../../deps/require-cjs.js';
import { missingDependency } from '../../optional-import.js';

/**
 * The AWS SDK is loaded on first use of an aws integration, never at import time, so users
 * without AWS integrations neither pay for it nor need it installed. It is CommonJS: `require`d
 * when assetlink runs from its own package, which skips the ESM loader's per-file scan (a third
 * of a cold start; deps/require-cjs.ts), else imported (bundles, and anything unexpected).
 */
export type S3Module = typeof import('@aws-sdk/client-s3');
export type StsModule = typeof import('@aws-sdk/client-sts');
export type StorageModule = typeof import('@aws-sdk/lib-storage');

let s3: Promise<S3Module> | undefined;
let sts: Promise<StsModule> | undefined;
let storage: Promise<StorageModule> | undefined;

const once = <T>(load: () => Promise<T>, reset: () => void): Promise<T> => {
  const promise = load();
  promise.catch(reset);
  return promise;
};

export function loadS3(): Promise<S3Module> {
  s3 ??= once(() => requireCommonJs<S3Module>('@aws-sdk/client-s3') ?? import('@aws-sdk/client-s3').catch(missingDependency('@aws-sdk/client-s3')), () => { s3 = undefined; });
  return s3;
}

export function loadSts(): Promise<StsModule> {
  sts ??= once(() => requireCommonJs<StsModule>('@aws-sdk/client-sts') ?? import('@aws-sdk/client-sts').catch(missingDependency('@aws-sdk/client-sts')), () => { sts = undefined; });
  return sts;
}

export function loadStorage(): Promise<StorageModule> {
  storage ??= once(() => requireCommonJs<StorageModule>('@aws-sdk/lib-storage') ?? import('@aws-sdk/lib-storage').catch(missingDependency('@aws-sdk/lib-storage')), () => { storage = undefined; });
  return storage;
}

/** Agents (networking.ts): loaded with the first SDK client, not by presigning. */
export function loadNetworking(): Promise<typeof import('./networking.js')> {
  return import('./networking.js');
}

/** S3-compatible store client settings (store-client.ts, which needs node:dns): only for a store's first client. */
export function loadStoreClient(): Promise<typeof import('./store-client.js')> {
  return import('./store-client.js');
}
