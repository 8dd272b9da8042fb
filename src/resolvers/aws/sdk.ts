import { missingDependency } from '../../optional-import.js';

/**
 * The AWS SDK is loaded on first use of an aws integration, never at import time, so users
 * without AWS integrations neither pay for it nor need it installed.
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
  s3 ??= once(() => import('@aws-sdk/client-s3').catch(missingDependency('@aws-sdk/client-s3')), () => { s3 = undefined; });
  return s3;
}

export function loadSts(): Promise<StsModule> {
  sts ??= once(() => import('@aws-sdk/client-sts').catch(missingDependency('@aws-sdk/client-sts')), () => { sts = undefined; });
  return sts;
}

export function loadStorage(): Promise<StorageModule> {
  storage ??= once(() => import('@aws-sdk/lib-storage').catch(missingDependency('@aws-sdk/lib-storage')), () => { storage = undefined; });
  return storage;
}
