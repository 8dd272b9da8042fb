import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where this copy of assetlink is installed, when it runs from its own package (not from a bundle). */
export interface OwnPackage {
  /** The package's package.json (a path createRequire can resolve from). */
  manifest: string;
  version: string;
}

let own: OwnPackage | null | undefined;

/**
 * assetlink's own package.json, found by walking up from this module's file. `undefined` when the
 * nearest package.json is someone else's, or there is none: assetlink was bundled into an
 * application (esbuild, webpack), so packages cannot be looked up on disk from here.
 */
export function ownPackage(): OwnPackage | undefined {
  if (own === undefined) own = findOwnPackage(moduleFile()) ?? null;
  return own ?? undefined;
}

function findOwnPackage(file: string | undefined): OwnPackage | undefined {
  if (file === undefined) return undefined;
  let dir = path.dirname(file.startsWith('file:') ? fileURLToPath(file) : file);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    let text: string | undefined;
    try { text = fs.readFileSync(manifest, 'utf8'); } catch { text = undefined; }
    if (text !== undefined) {
      try {
        const pkg = JSON.parse(text) as { name?: unknown; version?: unknown };
        return pkg.name === 'assetlink' && typeof pkg.version === 'string' ? { manifest, version: pkg.version } : undefined;
      } catch {
        return undefined;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The file this module was loaded from, read from V8's structured stack trace. `import.meta.url`
 * would be the obvious source, but it only exists in the ESM build: in the CommonJS build, and when
 * a bundler turns the ESM build into CommonJS, it is empty (and esbuild warns about it).
 */
function moduleFile(): string | undefined {
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    return frames?.[0]?.getFileName() ?? undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}
