import { MissingDependencyError } from './errors.js';

/**
 * Optional packages (provider SDKs, ioredis, emulators) are imported on first use, always written as
 *
 *     import('@aws-sdk/client-s3').catch(missingDependency('@aws-sdk/client-s3'))
 *
 * — a string literal with `.catch` directly on the `import()`. Bundlers read that as an optional
 * import: esbuild bundles the package when the application has it installed and leaves the import
 * for run time (no error, no `--external` flag) when it does not. Hiding the call behind a helper
 * that takes a loader function would make esbuild fail on every uninstalled provider.
 *
 * This module sits below every layer (it needs only the errors), so auth, cache, setup and the
 * drivers can all use it without importing each other.
 */

/** True when `error` is Node saying a module could not be found (ESM or CommonJS). */
export function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** The module Node could not find, as its message names it (`Cannot find package 'x'`, `Cannot find module 'x'`). */
export function missingModuleName(error: unknown): string | undefined {
  if (!isModuleNotFound(error)) return undefined;
  return /Cannot find (?:package|module) '([^']+)'/.exec((error as Error).message ?? '')?.[1];
}

/** True when `error` says `specifier` itself is not installed (not one of its own files or dependencies). */
export function isPackageMissing(error: unknown, specifier: string): boolean {
  if (!isModuleNotFound(error)) return false;
  const name = missingModuleName(error);
  return name === undefined || name === specifier || name.startsWith(`${specifier}/`);
}

/** The rejection handler of an optional import: "not found" becomes MISSING_DEPENDENCY naming the package. */
export function missingDependency(specifier: string): (error: unknown) => never {
  return (error: unknown): never => {
    if (isPackageMissing(error, specifier)) {
      throw new MissingDependencyError(`this integration needs the optional package "${specifier}": run \`npm install ${specifier}\``, { cause: error });
    }
    if (isModuleNotFound(error)) {
      // The package is there but broken: one of its own dependencies (or files) is missing.
      throw new MissingDependencyError(`"${specifier}" is installed but cannot load: it cannot find "${missingModuleName(error) ?? 'a module'}"; reinstall it (npm install)`, { cause: error });
    }
    throw error;
  };
}

/**
 * Imports an optional package through `load`, turning "module not found" into an error that says
 * what to install. Prefer `import('pkg').catch(missingDependency('pkg'))` in code a bundler sees
 * (see above); this form is kept for the test fakes.
 */
export async function importOptional<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  return load().catch(missingDependency(specifier));
}
