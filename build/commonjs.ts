import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { transform } from 'sucrase';

/*
 * The CommonJS build and the files Node imports, made from the ES build (tsup.config.ts).
 *
 * tsup's own CommonJS splitting runs sucrase with its syntax transforms on: every `a?.b` becomes a
 * `_optionalChain([...])` call with closures, every `a ?? b` a `_nullishCoalesce(a, () => b)`, in
 * the hot paths too (presign, matching). Node 20 runs that syntax natively, so this converts the
 * ES chunks itself, module syntax only. Sucrase keeps every line where it was, so each chunk's
 * source map from esbuild stays valid for its .cjs twin.
 */

const SPECIFIER = /"\.\/([\w.-]+)\.js"/g;

/** The ES files reachable from `entries` (names without .js), through static and dynamic imports of sibling chunks. */
function reachable(dist: string, entries: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const match of readFileSync(path.join(dist, `${name}.js`), 'utf8').matchAll(SPECIFIER)) {
      if (existsSync(path.join(dist, `${match[1]}.js`))) visit(match[1]!);
    }
  };
  for (const entry of entries) visit(entry);
  return [...seen];
}

/**
 * dist/<name>.cjs (+ .cjs.map) for every ES chunk the library entries reach. Imports become
 * `require`, dynamic `import()` of a chunk or an SDK becomes a `require` behind a promise (the
 * same as tsup's CommonJS build), sibling specifiers move from .js to .cjs.
 */
export function writeCommonJs(dist: string, entries: readonly string[]): void {
  for (const name of reachable(dist, entries)) {
    const source = readFileSync(path.join(dist, `${name}.js`), 'utf8')
      .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
      .replace(SPECIFIER, (whole, sibling: string) => existsSync(path.join(dist, `${sibling}.js`)) ? `"./${sibling}.cjs"` : whole);
    const { code } = transform(source, { transforms: ['imports'], disableESTransforms: true, filePath: `${name}.js` });
    const mapFile = path.join(dist, `${name}.js.map`);
    if (existsSync(mapFile)) {
      const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { file?: string };
      writeFileSync(path.join(dist, `${name}.cjs.map`), JSON.stringify({ ...map, file: `${name}.cjs` }));
      writeFileSync(path.join(dist, `${name}.cjs`), `${code.trimEnd()}\n//# sourceMappingURL=${name}.cjs.map\n`);
    } else {
      writeFileSync(path.join(dist, `${name}.cjs`), code);
    }
  }
}

/**
 * dist/<entry>.node.js, what Node runs for `import 'assetlink'` (package.json "exports"): an ES
 * module that `require`s the CommonJS build and re-exports its names. Node loads the ~25 CommonJS
 * chunks synchronously in about two thirds of the time its ES module loader takes for the same
 * code, and `import` and `require` then share one instance of the library (one credential cache,
 * one `configure()`, one `AssetLinkError` class). Bundlers take the "module" condition, the plain
 * ES build. The names are the ES entry's own, read from its closing export clause;
 * test/package/exports.test.ts checks they equal what both builds export at run time.
 */
export function writeNodeWrappers(dist: string, entries: readonly string[]): void {
  for (const entry of entries) {
    const code = readFileSync(path.join(dist, `${entry}.js`), 'utf8');
    const clause = [...code.matchAll(/^export \{([^}]*)\};$/gm)].at(-1)?.[1];
    if (clause === undefined) throw new Error(`dist/${entry}.js: no closing export clause to read the names from`);
    const names = clause.split(',').map((part) => part.trim()).filter(Boolean).map((part) => part.split(/\s+as\s+/).at(-1)!);
    const specifier = entry === 'index' ? 'assetlink' : `assetlink/${entry}`;
    writeFileSync(path.join(dist, `${entry}.node.js`), [
      `// Node's entry for \`import '${specifier}'\`: the CommonJS build, one instance for import and require (build/commonjs.ts).`,
      `import { createRequire } from 'node:module';`,
      ``,
      `let lib;`,
      `try {`,
      `  lib = createRequire(import.meta.url)('./${entry}.cjs');`,
      `} catch (error) {`,
      `  // Only when this file was taken without its CommonJS sibling (a bundler ignoring the "module" condition).`,
      `  if (error?.code !== 'MODULE_NOT_FOUND') throw error;`,
      `  lib = await import('./${entry}.js');`,
      `}`,
      `export const { ${names.join(', ')} } = lib;`,
      ``,
    ].join('\n'));
  }
}
