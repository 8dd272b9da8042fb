import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isModuleNotFound, missingDependency, missingModuleName } from '../../src/optional-import.js';
import { missingPackagesError, sharedCopyConflict, unresolvedPackages } from '../../src/deps/check.js';
import { AWS_DEFAULT_CHAIN_PACKAGE, packagesFor, PROVIDER_PACKAGES } from '../../src/deps/packages.js';
import { ownPackage } from '../../src/deps/self.js';

const root = path.resolve(import.meta.dirname, '../..');
const src = path.join(root, 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every package the library (not the fakes, not the CLI) imports with a literal import(). */
function optionalImportsOfTheLibrary(): Set<string> {
  const names = new Set<string>();
  for (const file of files(src)) {
    const rel = path.relative(src, file);
    if (rel.startsWith('testing/') || rel.startsWith('cli/')) continue;
    const code = fs.readFileSync(file, 'utf8').split('\n').filter((line) => !/^\s*(?:\*|\/\/)/.test(line)).join('\n');
    for (const m of code.matchAll(/\bimport\('((?:@[\w.-]+\/)?[\w.-]+)'\)/g)) names.add(m[1]!);
  }
  return names;
}

describe('each provider\'s package set', () => {
  it('lists every optional package the library imports, and nothing it does not import', () => {
    const imported = optionalImportsOfTheLibrary();
    // Not tied to a provider: OpenTelemetry is optional everywhere, ioredis belongs to the Redis store.
    imported.delete('@opentelemetry/api');
    imported.delete('ioredis');
    const listed = new Set([...Object.values(PROVIDER_PACKAGES).flat(), AWS_DEFAULT_CHAIN_PACKAGE]);
    expect([...imported].sort()).toEqual([...listed].sort());
  });

  it('the platform identity\'s default chain is needed only without explicit credentials, and not by access-key integrations', () => {
    expect(packagesFor({ provider: 'aws', auth: { kind: 'assume-role' } })).toContain(AWS_DEFAULT_CHAIN_PACKAGE);
    expect(packagesFor({ provider: 'aws', auth: { kind: 'cross-account' } })).toContain(AWS_DEFAULT_CHAIN_PACKAGE);
    expect(packagesFor({ provider: 'aws', auth: { kind: 'assume-role' } }, { aws: { credentials: { accessKeyId: 'AKIA0000000000000000', secretAccessKey: 'x' } } })).not.toContain(AWS_DEFAULT_CHAIN_PACKAGE);
    expect(packagesFor({ provider: 'aws', auth: { kind: 'access-key' } })).toEqual(['@aws-sdk/client-s3', '@aws-sdk/client-sts', '@aws-sdk/lib-storage']);
    expect(packagesFor({ provider: 'memory' })).toEqual([]);
  });
});

describe('finding missing packages without importing them', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'assetlink-deps-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names exactly the packages that cannot be resolved; an exports map without "require" still counts as installed', () => {
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'assetlink', version: '0.0.0' }));
    const pkg = (name: string, manifest: Record<string, unknown>, main = 'index.js'): void => {
      const at = path.join(dir, 'node_modules', name);
      fs.mkdirSync(at, { recursive: true });
      fs.writeFileSync(path.join(at, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...manifest }));
      fs.writeFileSync(path.join(at, main), 'throw new Error("a resolve check must never run this");\n');
    };
    pkg('@aws-sdk/client-s3', { main: 'index.js' });
    pkg('esm-only', { type: 'module', exports: { import: './index.mjs' } }, 'index.mjs');
    const manifest = path.join(dir, 'package.json');
    expect(unresolvedPackages(['@aws-sdk/client-s3', '@aws-sdk/client-sts', 'esm-only', '@aws-sdk/lib-storage'], manifest))
      .toEqual(['@aws-sdk/client-sts', '@aws-sdk/lib-storage']);
  });

  it('@google-cloud/storage with its own nested google-auth-library (another major) is refused, naming the version it needs', () => {
    const write = (at: string, manifest: Record<string, unknown>): void => {
      fs.mkdirSync(at, { recursive: true });
      fs.writeFileSync(path.join(at, 'package.json'), JSON.stringify({ main: 'index.js', ...manifest }));
      fs.writeFileSync(path.join(at, 'index.js'), '');
    };
    const app = (name: string, nested: boolean): string => {
      const root = path.join(dir, name);
      write(root, { name: 'assetlink', version: '0.0.0' });
      write(path.join(root, 'node_modules/@google-cloud/storage'), { name: '@google-cloud/storage', version: '7.19.0', dependencies: { 'google-auth-library': '^9.6.3' } });
      write(path.join(root, 'node_modules/google-auth-library'), { name: 'google-auth-library', version: nested ? '11.3.4' : '9.15.1' });
      // npm nests a second copy under storage when the top-level one does not satisfy its range.
      if (nested) write(path.join(root, 'node_modules/@google-cloud/storage/node_modules/google-auth-library'), { name: 'google-auth-library', version: '9.15.1' });
      return path.join(root, 'package.json');
    };
    expect(sharedCopyConflict(app('gcp-shared', false), '@google-cloud/storage', 'google-auth-library')).toBeUndefined();
    expect(sharedCopyConflict(app('gcp-nested', true), '@google-cloud/storage', 'google-auth-library'))
      .toBe('@google-cloud/storage uses google-auth-library ^9.6.3, but the application has google-auth-library 11.3.4: two copies cannot share credentials. Run `npm install google-auth-library@"^9.6.3"`');
  });

  it('a package that is absent and a package that is installed but broken get different messages', async () => {
    const app = path.join(dir, 'broken-app');
    fs.mkdirSync(path.join(app, 'node_modules/broken-sdk'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app"}');
    fs.writeFileSync(path.join(app, 'node_modules/broken-sdk/package.json'), '{"name":"broken-sdk","main":"index.js"}');
    fs.writeFileSync(path.join(app, 'node_modules/broken-sdk/index.js'), 'require("its-own-dependency");');
    const load = (name: string): unknown => { try { createRequire(path.join(app, 'package.json'))(name); return undefined; } catch (error) { return error; } };
    const absent = (() => { try { return missingDependency('absent-sdk')(load('absent-sdk')); } catch (e) { return e as Error; } })();
    expect(absent).toMatchObject({ code: 'MISSING_DEPENDENCY', message: 'this integration needs the optional package "absent-sdk": run `npm install absent-sdk`' });
    const broken = (() => { try { return missingDependency('broken-sdk')(load('broken-sdk')); } catch (e) { return e as Error; } })();
    expect(broken).toMatchObject({ code: 'MISSING_DEPENDENCY', message: '"broken-sdk" is installed but cannot load: it cannot find "its-own-dependency"; reinstall it (npm install)' });
    // ESM's wording ("Cannot find package … imported from …") is recognised too.
    const esm = await import(pathToFileURL(path.join(app, 'missing-entry.mjs')).href).catch((e: unknown) => e);
    expect(isModuleNotFound(esm)).toBe(true);
    const esmPackage = await import('surely-not-installed-sdk' as string).catch((e: unknown) => e);
    expect(missingModuleName(esmPackage)).toBe('surely-not-installed-sdk');
  });

  it('one error names every missing package, the integration, and one install command', () => {
    const error = missingPackagesError('aws', ['@aws-sdk/client-sts', '@aws-sdk/lib-storage'], 'acme');
    expect(error.code).toBe('MISSING_DEPENDENCY');
    expect(error.integrationId).toBe('acme');
    expect(error.message).toContain('"@aws-sdk/client-sts", "@aws-sdk/lib-storage"');
    expect(error.message).toContain('integration "acme"');
    expect(error.message).toContain('npm install @aws-sdk/client-sts @aws-sdk/lib-storage');
  });

  it('finds its own package.json from the sources (the built package is checked by .ci/consumers.sh)', () => {
    expect(ownPackage()?.manifest).toBe(path.join(root, 'package.json'));
  });
});
