import { isPackageMissing, missingDependency } from '../optional-import.js';
import type { Provider } from '../types.js';
import { missingPackagesError } from './check.js';
import { PROVIDER_PACKAGES } from './packages.js';
import { ownPackage } from './self.js';

const MISSING = Symbol('missing');
/** MISSING when the package is not installed; a broken install still fails with what it cannot find. */
const orMissing = (name: string) => (error: unknown): typeof MISSING => {
  if (isPackageMissing(error, name)) return MISSING;
  return missingDependency(name)(error);
};

/**
 * Literal `import()`s with `.catch` on each (see src/optional-import.ts): a bundler includes the
 * packages the application has installed and leaves the others for run time.
 */
const importers: Record<string, () => Promise<unknown>> = {
  '@aws-sdk/client-s3': () => import('@aws-sdk/client-s3').catch(orMissing('@aws-sdk/client-s3')),
  '@aws-sdk/client-sts': () => import('@aws-sdk/client-sts').catch(orMissing('@aws-sdk/client-sts')),
  '@aws-sdk/lib-storage': () => import('@aws-sdk/lib-storage').catch(orMissing('@aws-sdk/lib-storage')),
  '@google-cloud/storage': () => import('@google-cloud/storage').catch(orMissing('@google-cloud/storage')),
  'google-auth-library': () => import('google-auth-library').catch(orMissing('google-auth-library')),
  '@azure/storage-blob': () => import('@azure/storage-blob').catch(orMissing('@azure/storage-blob')),
  '@azure/identity': () => import('@azure/identity').catch(orMissing('@azure/identity')),
};

const checked = new Map<Provider, Promise<void>>();

/**
 * When assetlink runs bundled into an application, `assertPackagesInstalled` has no node_modules to
 * look in; this checks a provider's whole package set by importing it, the first time the provider
 * is used, and names every missing package in one MISSING_DEPENDENCY error. Unbundled, the check
 * already ran when the integration was added, and nothing is imported here.
 */
export function checkProviderPackagesOnFirstUse(provider: Provider): Promise<void> {
  if (ownPackage() !== undefined) return Promise.resolve();
  let pending = checked.get(provider);
  if (!pending) {
    const packages = PROVIDER_PACKAGES[provider];
    pending = Promise.all(packages.map(async (name) => ((await importers[name]!()) === MISSING ? [name] : []))).then((results) => {
      const missing = results.flat();
      if (missing.length > 0) throw missingPackagesError(provider, missing);
    });
    pending.catch(() => checked.delete(provider));
    checked.set(provider, pending);
  }
  return pending;
}
