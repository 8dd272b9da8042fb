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

  it('the package.json names ESM, CJS and types for both entry points, and a bin', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, any>;
    for (const entry of ['.', './testing']) {
      for (const cond of ['import', 'require']) {
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
