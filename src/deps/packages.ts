import type { Integration, PlatformOptions, Provider } from '../types.js';

/**
 * Every optional package an integration of each provider can load. Checked together when the
 * integration is added, so a missing one is named up front — not on the first large write
 * (`@aws-sdk/lib-storage`) or the first cold credential refresh. Keep in step with the `import()`
 * calls in src/resolvers/<provider>* and src/auth/* (test/deps/packages.test.ts checks both ways).
 */
export const PROVIDER_PACKAGES: Readonly<Record<Provider, readonly string[]>> = {
  aws: ['@aws-sdk/client-s3', '@aws-sdk/client-sts', '@aws-sdk/lib-storage'],
  gcp: ['@google-cloud/storage', 'google-auth-library'],
  azure: ['@azure/storage-blob', '@azure/identity'],
  https: [],
  file: [],
  memory: [],
};

/** Loads the platform's own AWS identity through the SDK's default chain (src/auth/aws-platform-credentials.ts). */
export const AWS_DEFAULT_CHAIN_PACKAGE = '@aws-sdk/credential-providers';

/** The packages `integration` needs, given the platform options it will run with. */
export function packagesFor(integration: Pick<Integration, 'provider'> & { auth?: { kind?: unknown } }, platform: PlatformOptions = {}): string[] {
  const packages = [...PROVIDER_PACKAGES[integration.provider]];
  // Assume-role and cross-account integrations use the platform's identity; without explicit
  // credentials that comes from the SDK's default chain.
  if (integration.provider === 'aws' && integration.auth?.kind !== 'access-key' && platform.aws?.credentials === undefined) {
    packages.push(AWS_DEFAULT_CHAIN_PACKAGE);
  }
  return packages;
}

/** The command that installs `packages` (npm; the names are the same for every package manager). */
export const installCommand = (packages: readonly string[]): string => `npm install ${packages.join(' ')}`;
