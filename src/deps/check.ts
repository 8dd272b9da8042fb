import { createRequire } from 'node:module';
import { MissingDependencyError } from '../errors.js';
import { isModuleNotFound } from '../optional-import.js';
import type { Integration, PlatformOptions } from '../types.js';
import { installCommand, packagesFor } from './packages.js';
import { ownPackage } from './self.js';

/**
 * Which of `packages` cannot be found from `manifest` (a package.json path). Resolves, never
 * imports: checking an integration's packages must not load its SDK (the lazy-loading guarantee).
 * A package whose exports map has no entry for `require` still counts as installed.
 */
export function unresolvedPackages(packages: readonly string[], manifest: string): string[] {
  const require = createRequire(manifest);
  return packages.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch (error) {
      return isModuleNotFound(error);
    }
  });
}

/** Packages already found once (a package does not disappear from a running process). */
const found = new Set<string>();

/**
 * Throws one MISSING_DEPENDENCY error naming every package `integration` needs that is not
 * installed. Runs when an integration is added. When assetlink has been bundled into the
 * application there is no node_modules to look in: the packages are checked at the provider's first
 * use instead (`importPackages`), where a bundled package imports without touching the disk.
 */
export function assertPackagesInstalled(integration: Pick<Integration, 'id' | 'provider'> & { auth?: { kind?: unknown } }, platform: PlatformOptions | undefined): void {
  const self = ownPackage();
  if (self === undefined) return;
  const needed = packagesFor(integration, platform).filter((name) => !found.has(name));
  if (needed.length === 0) return;
  const missing = unresolvedPackages(needed, self.manifest);
  for (const name of needed) if (!missing.includes(name)) found.add(name);
  if (missing.length > 0) throw missingPackagesError(integration.provider, missing, integration.id);
}

export function missingPackagesError(provider: string, missing: readonly string[], integrationId?: string): MissingDependencyError {
  const which = integrationId !== undefined ? `integration "${integrationId}" (${provider})` : `the ${provider} provider`;
  const list = missing.map((name) => `"${name}"`).join(', ');
  return new MissingDependencyError(
    `${which} needs the optional package${missing.length > 1 ? 's' : ''} ${list}, not installed: run \`${installCommand(missing)}\``,
    integrationId !== undefined ? { integrationId } : {},
  );
}
