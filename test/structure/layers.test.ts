import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Layers point one way (GUIDE.md): uri, errors → integrations, cache → auth → resolvers → resolver →
 * verify, setup, cli. Issue 13 ("Structure"): auth imported importOptional from the resolvers while
 * the resolvers imported auth. This reads every import (static, dynamic and type-only) of the
 * sources and fails on an import that points up.
 */

const src = path.resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a file, as paths relative to src/ (e.g. "resolvers/registry.ts"). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => path.relative(src, path.resolve(path.dirname(file), s)).replace(/\.js$/, '.ts'));
}

const area = (rel: string): string => (rel.includes('/') ? rel.split('/')[0]! : rel.replace(/\.ts$/, ''));

/** Which areas each area must never import. */
const FORBIDDEN: Record<string, string[]> = {
  telemetry: ['uri', 'integrations', 'cache', 'auth', 'resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  uri: ['integrations', 'cache', 'auth', 'resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  errors: ['uri', 'integrations', 'cache', 'auth', 'resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  'optional-import': ['uri', 'integrations', 'cache', 'auth', 'resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  integrations: ['cache', 'auth', 'resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  cache: ['auth', 'resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  auth: ['resolvers', 'resolver', 'verify', 'setup', 'cli', 'testing'],
  setup: ['resolvers', 'resolver', 'verify', 'cli', 'testing'],
  resolvers: ['verify', 'setup', 'cli', 'testing'],
  resolver: ['cli', 'testing'],
  verify: ['cli', 'testing'],
};

describe('source layers', () => {
  const all = files(src);

  it('reads the imports it checks (the scan must be able to fail)', () => {
    const registry = importsOf(path.join(src, 'resolver/create.ts'));
    expect(registry).toContain('resolvers/registry.ts');
    expect(all.length).toBeGreaterThan(50);
  });

  it('no module imports a layer above its own', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = path.relative(src, file);
      const forbidden = FORBIDDEN[area(from)] ?? [];
      for (const target of importsOf(file)) {
        if (forbidden.includes(area(target))) violations.push(`${from} → ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('only the CLI imports the CLI, only the fakes import the fakes', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = area(path.relative(src, file));
      for (const target of importsOf(file)) {
        const to = area(target);
        if ((to === 'cli' || to === 'testing') && from !== to) violations.push(`${path.relative(src, file)} → ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
