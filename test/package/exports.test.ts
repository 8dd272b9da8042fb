import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built.js';

const root = path.resolve(import.meta.dirname, '../..');
const PUBLIC_NAMES = ['createAssetResolver', 'parseAssetUri', 'resolveAsset', 'presign', 'configure', 'fetchPresigned', 'AssetLinkError', 'ERROR_CODES', 'CredentialCache'];

describe('built package exports', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('import("assetlink") through the exports map', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { exports: Record<string, { import: { default: string } }> };
    const mod = (await import(pathToFileURL(path.join(root, pkg.exports['.']!.import.default)).href)) as Record<string, unknown>;
    for (const name of PUBLIC_NAMES) expect(mod[name], name).toBeDefined();
    const testing = (await import(pathToFileURL(path.join(root, pkg.exports['./testing']!.import.default)).href)) as Record<string, unknown>;
    expect(testing.putMemoryObject).toBeTypeOf('function');
  });

  it('require("assetlink") through the exports map, in a separate CommonJS process', () => {
    const script = `
      const a = require('assetlink');
      const t = require('assetlink/testing');
      const names = ${JSON.stringify(PUBLIC_NAMES)};
      const missing = names.filter((n) => a[n] === undefined);
      if (typeof t.putMemoryObject !== 'function') missing.push('testing.putMemoryObject');
      const loc = a.parseAssetUri('s3://bucket/key');
      process.stdout.write(JSON.stringify({ missing, provider: loc.provider }));
    `;
    // Node resolves a package's own name through its exports map (self-reference), as a user's require would.
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root }).toString();
    expect(JSON.parse(out)).toEqual({ missing: [], provider: 'aws' });
  });

  it('import and require in one Node process share one instance; the wrapper re-exports every name of the ES build', () => {
    // Node takes the "import" condition (dist/<entry>.node.js, which requires the CommonJS build);
    // bundlers take "module" (the plain ES build). Both must offer the same names, and a process
    // mixing import and require must not get two credential caches or two AssetLinkError classes.
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const out = {};
      for (const entry of ['assetlink', 'assetlink/testing']) {
        const imported = await import(entry);
        const required = require(entry);
        const plain = await import(new URL('./dist/' + (entry === 'assetlink' ? 'index' : 'testing') + '.js', 'file://' + process.cwd() + '/').href);
        const names = Object.keys(imported).sort();
        out[entry] = {
          sameNamesAsPlainEsm: JSON.stringify(names) === JSON.stringify(Object.keys(plain).sort()),
          sameNamesAsCjs: JSON.stringify(names) === JSON.stringify(Object.keys(required).sort()),
          differentObjects: names.filter((n) => imported[n] !== required[n]),
          count: names.length,
        };
      }
      const { AssetLinkError, createAssetResolver } = await import('assetlink');
      try { createRequire(import.meta.url)('assetlink').parseAssetUri('not a uri'); } catch (e) { out.errorFromRequireIsImportedClass = e instanceof AssetLinkError; }
      out.resolver = typeof createAssetResolver({ integrations: [] }).presign;
      process.stdout.write(JSON.stringify(out));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root }).toString()) as Record<string, any>;
    for (const entry of ['assetlink', 'assetlink/testing']) {
      expect(out[entry].sameNamesAsPlainEsm, entry).toBe(true);
      expect(out[entry].sameNamesAsCjs, entry).toBe(true);
      expect(out[entry].differentObjects, entry).toEqual([]);
      expect(out[entry].count, entry).toBeGreaterThan(5);
    }
    expect(out.errorFromRequireIsImportedClass).toBe(true);
    expect(out.resolver).toBe('function');
  });

  it('no module exports a mutable binding: the Node wrapper copies each export once', () => {
    // `export const { ... } = lib` in dist/<entry>.node.js is a snapshot; an `export let` reassigned
    // later would go stale there (and in the CommonJS build). Exports are functions, classes and constants.
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (file.endsWith('.ts') && /^export (?:let|var) /m.test(fs.readFileSync(file, 'utf8'))) offenders.push(path.relative(root, file));
      }
    };
    walk(path.join(root, 'src'));
    expect(offenders).toEqual([]);
  });

  it('bundlers get the plain ES build through the "module" condition; Node never does', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, any>;
    for (const [entry, base] of [['.', 'index'], ['./testing', 'testing']] as const) {
      const conditions = Object.keys(pkg.exports[entry]);
      // Conditions match in order: "module" must come before "import" and "require" to be seen.
      expect(conditions.indexOf('module'), entry).toBe(0);
      expect(pkg.exports[entry].module.default).toBe(`./dist/${base}.js`);
      expect(pkg.exports[entry].import.default).toBe(`./dist/${base}.node.js`);
      expect(fs.readFileSync(path.join(root, `dist/${base}.node.js`), 'utf8')).toContain(`createRequire(import.meta.url)('./${base}.cjs')`);
    }
  });

  it('the package.json names ESM, CJS and types for both entry points, and a bin', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, any>;
    for (const entry of ['.', './testing']) {
      for (const cond of ['module', 'import', 'require']) {
        for (const field of ['types', 'default']) {
          expect(fs.existsSync(path.join(root, pkg.exports[entry][cond][field])), `${entry} ${cond} ${field}`).toBe(true);
        }
      }
    }
    expect(fs.existsSync(path.join(root, pkg.bin.assetlink))).toBe(true);
    expect(pkg.type).toBe('module');
    expect(pkg.engines.node).toBe('>=20');
  });
});
