import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/built.js';

/** Issue 18, package hygiene: what `npm install assetlink` brings and asks of the application. */

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  license: string; sideEffects: unknown; repository?: { url?: string }; homepage?: string; keywords?: string[]; files: string[];
  peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>; devDependencies: Record<string, string>;
};

/** `version` satisfies one of the `^X.Y.Z` alternatives of `range`. */
function satisfiesCaret(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  return range.split('||').map((r) => r.trim()).some((r) => {
    const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(r);
    if (!m) throw new Error(`peer ranges are written as ^X.Y.Z alternatives, got ${r}`);
    const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return v[0] === major && (v[1]! > minor || (v[1] === minor && v[2]! >= patch));
  });
}

describe('package hygiene', () => {
  beforeAll(() => ensureBuilt(), 120_000);

  it('an Apache-2.0 LICENSE file that the package ships', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    expect(pkg.files).toContain('LICENSE');
  });

  it('sideEffects: false, repository, homepage and keywords', () => {
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\//);
    expect(pkg.homepage).toMatch(/^https:\/\//);
    expect(pkg.keywords?.length).toBeGreaterThan(3);
  });

  it('no CommonJS copy of the CLI (the bin is ESM)', () => {
    expect(fs.existsSync(path.join(root, 'dist/cli.js'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'dist/cli.cjs'))).toBe(false);
  });

  it('peers: all optional, none the build never imports, no test emulator', () => {
    for (const name of Object.keys(pkg.peerDependencies)) expect(pkg.peerDependenciesMeta[name]?.optional, name).toBe(true);
    for (const name of ['@aws-sdk/s3-request-presigner', '@smithy/signature-v4', '@20minutes/s3rver', 'azurite', 'selfsigned']) {
      expect(pkg.peerDependencies[name], name).toBeUndefined();
    }
  });

  it('every peer range admits the version this repo tests with, and is not floored at it', () => {
    for (const [name, range] of Object.entries(pkg.peerDependencies)) {
      const dev = pkg.devDependencies[name];
      expect(dev, `${name} has a dev pin`).toBeDefined();
      expect(satisfiesCaret(dev!, range), `${name}@${dev} in ${range}`).toBe(true);
      // A floor equal to the dev pin is what made installs fail with ERESOLVE next to older SDKs.
      expect(range.split('||')[0]!.trim(), name).not.toBe(`^${dev}`);
    }
  });
});
