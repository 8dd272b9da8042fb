import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
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
  if (integration.provider === 'gcp') {
    const conflict = sharedCopyConflict(self.manifest, '@google-cloud/storage', 'google-auth-library');
    if (conflict) throw new MissingDependencyError(conflict, { integrationId: integration.id });
  }
}

/**
 * assetlink hands @google-cloud/storage an OAuth2Client subclass of the google-auth-library it
 * imports itself; storage only accepts one from its own copy (with another major it silently sends
 * no credentials). When npm had to give storage a nested copy, the two differ: say which version
 * storage needs. `undefined` when both resolve to the same file.
 */
export function sharedCopyConflict(manifest: string, user: string, shared: string): string | undefined {
  const require = createRequire(manifest);
  let ours: string;
  let theirs: string;
  let userEntry: string;
  try {
    userEntry = require.resolve(user);
    ours = require.resolve(shared);
    theirs = createRequire(userEntry).resolve(shared);
  } catch {
    return undefined;
  }
  if (ours === theirs) return undefined;
  const wanted = (readManifest(userEntry, user)?.dependencies as Record<string, string> | undefined)?.[shared] ?? 'the same version';
  const have = readManifest(ours, shared)?.version ?? 'another version';
  return `${user} uses ${shared} ${wanted}, but the application has ${shared} ${have}: two copies cannot share credentials. Run \`npm install ${shared}@"${wanted}"\``;
}

/** The package.json of package `name` that contains `file`. */
function readManifest(file: string, name: string): Record<string, unknown> | undefined {
  let dir = path.dirname(file);
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      if (pkg.name === name) return pkg;
    } catch { /* keep walking */ }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function missingPackagesError(provider: string, missing: readonly string[], integrationId?: string): MissingDependencyError {
  const which = integrationId !== undefined ? `integration "${integrationId}" (${provider})` : `the ${provider} provider`;
  const list = missing.map((name) => `"${name}"`).join(', ');
  return new MissingDependencyError(
    `${which} needs the optional package${missing.length > 1 ? 's' : ''} ${list}, not installed: run \`${installCommand(missing)}\``,
    integrationId !== undefined ? { integrationId } : {},
  );
}
