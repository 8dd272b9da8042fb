import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ownPackage } from './self.js';

/**
 * A CommonJS package loaded with `require` instead of `import()`, when that is the same module.
 *
 * Node's ESM loader, asked to `import()` a CommonJS package, scans the source of every file the
 * package then requires (its format, and its named exports with cjs-module-lexer). For
 * `@aws-sdk/client-s3` and the ~150 files behind it that scan costs about as much again as
 * loading them: 160–220 ms against 100–130 ms with `require` on this machine. The SDK is
 * CommonJS either way, so `require` yields the very module object `import()` would have wrapped
 * (one instance, one `require.cache` entry, whoever loads it first).
 *
 * Only when assetlink runs from its own installed package (`ownPackage`): in a bundle the
 * bundler owns module loading, and the caller's literal `import()` is what it follows. Only for a
 * package whose entry point is CommonJS (`.cjs`, or `.js` under a package.json that does not say
 * `"type": "module"`): an ES module is never `require`d (that would print Node's experimental
 * warning). Anything unexpected — not installed, not CommonJS, a failure while loading — returns
 * undefined and the caller's `import()` runs as before, reporting the error its usual way.
 */
export function requireCommonJs<T>(specifier: string): Promise<T> | undefined {
  const self = ownPackage();
  if (self === undefined) return undefined;
  try {
    const require = createRequire(self.manifest);
    const entry = require.resolve(specifier);
    if (!isCommonJsFile(entry)) return undefined;
    return Promise.resolve(require(specifier) as T);
  } catch {
    return undefined;
  }
}

function isCommonJsFile(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  // Node decides a .js file's format by the nearest package.json.
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    let text: string | undefined;
    try { text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8'); } catch { text = undefined; }
    if (text !== undefined) {
      try {
        return (JSON.parse(text) as { type?: unknown }).type !== 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return true;
  }
}
