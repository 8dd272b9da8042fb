import type { Provider } from '../types.js';
import { checkProviderPackagesOnFirstUse } from '../deps/first-use.js';
import type { DriverFactory } from './driver.js';
import { refuseUnproxiedProvider } from '../net/proxy-settings.js';

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
  await checkProviderPackagesOnFirstUse(provider);
  const mod = await loaders[provider]();
  return (ctx) => {
    refuseUnproxiedProvider(provider, ctx.platform.proxy, ctx.platform.noProxy);
    return mod.createDriver(ctx);
  };
}
