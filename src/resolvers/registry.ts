import { MissingDependencyError } from '../errors.js';
import type { Provider } from '../types.js';
import type { DriverFactory } from './driver.js';

/**
 * Provider modules are loaded on first use so an S3-only user never loads the Google or Azure
 * SDKs. Each module exports `createDriver`.
 */
const loaders: Record<Provider, () => Promise<{ createDriver: DriverFactory }>> = {
  memory: () => import('./memory.js'),
  file: () => import('./file.js'),
  aws: () => import('./aws.js'),
  gcp: () => import('./gcp.js'),
  azure: () => import('./azure.js'),
  https: () => import('./https.js'),
};

export async function loadDriverFactory(provider: Provider): Promise<DriverFactory> {
  const mod = await loaders[provider]();
  return mod.createDriver;
}

/** Imports an optional provider SDK, turning "module not found" into an error that says what to install. */
export async function importOptional<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError(`this integration needs the optional package "${specifier}": run \`npm install ${specifier}\``, { cause: error });
    }
    throw error;
  }
}
