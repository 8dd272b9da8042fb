import { resolveSecretRefs } from '../../src/cli/secret-refs.js';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateIntegration } from '../../src/index.js';
import type { Integration } from '../../src/types.js';

/**
 * Docs that run (issue 18). Every ```ts block of README.md and of every page under docs/ (found
 * here, so new pages are checked without touching this file) is type-checked as its own module
 * against the sources, with the package's own strict settings. Blocks that import
 * `assetlink/testing` are also run, offline, against the fakes. JSON blocks that hold a CLI config or
 * an integration are validated.
 *
 * Markers, an HTML comment on the line just above the fence (docs/contributing.md):
 *   <!-- docs-check: partial -->  a fragment (not compiled)
 *   <!-- docs-check: no-run -->   compiled but not run (e.g. a test file CI runs elsewhere)
 */

const root = path.resolve(import.meta.dirname, '../..');
const out = path.join(root, 'test/docs/.blocks');

interface Block { file: string; line: number; lang: string; code: string; marker: string | undefined; module: string }

function markdownFiles(): string[] {
  const walk = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full) : e.name.endsWith('.md') ? [full] : [];
  });
  return [path.join(root, 'README.md'), ...walk(path.join(root, 'docs'))];
}

function blocksOf(file: string): Block[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\w+)?\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i]!); i++) body.push(lines[i]!.slice(indent));
    const marker = /^\s*<!--\s*docs-check:\s*([\w-]+)\s*-->\s*$/.exec(lines[start - 1] ?? '')?.[1];
    const rel = path.relative(root, file);
    blocks.push({ file: rel, line: start + 1, lang: (open[2] ?? '').toLowerCase(), code: body.join('\n'), marker, module: `${rel.replace(/[^\w]+/g, '_')}_L${start + 1}.ts` });
  }
  return blocks;
}

const all = markdownFiles().flatMap(blocksOf);
const tsBlocks = all.filter((b) => b.lang === 'ts' || b.lang === 'typescript');
const compiled = tsBlocks.filter((b) => b.marker !== 'partial');
const runnable = compiled.filter((b) => b.marker !== 'no-run' && /from ['"]assetlink\/testing['"]/.test(b.code));
const where = (b: Block): string => `${b.file}:${b.line}`;

beforeAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  // `export {}` makes every block a module of its own (top-level await, no clashing names).
  for (const b of compiled) fs.writeFileSync(path.join(out, b.module), `${b.code}\nexport {};\n`);
});
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('documentation code blocks', () => {
  it('finds the blocks (README and every docs/ page) and knows every marker', () => {
    expect(tsBlocks.length).toBeGreaterThan(10);
    expect(new Set(tsBlocks.map((b) => b.file))).toContain('README.md');
    const unknown = all.filter((b) => b.marker !== undefined && b.marker !== 'partial' && b.marker !== 'no-run').map(where);
    expect(unknown).toEqual([]);
    expect(runnable.length).toBeGreaterThan(0);
  });

  it('every ```ts block type-checks against the sources (strict)', () => {
    const program = ts.createProgram(compiled.map((b) => path.join(out, b.module)), {
      strict: true, noUncheckedIndexedAccess: true, noImplicitOverride: true, noEmit: true, skipLibCheck: true,
      target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'], types: ['node'], esModuleInterop: true, resolveJsonModule: true,
      paths: { assetlink: [path.join(root, 'src/index.ts')], 'assetlink/testing': [path.join(root, 'src/testing/index.ts')] },
    });
    const byModule = new Map(compiled.map((b) => [path.join(out, b.module), b]));
    const problems = ts.getPreEmitDiagnostics(program).flatMap((d) => {
      const block = d.file ? byModule.get(path.resolve(d.file.fileName)) : undefined;
      if (d.file && !block) return [`${d.file.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`];
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : 0;
      return [`${block ? `${block.file}:${block.line + 1 + at}` : 'global'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`];
    });
    expect(problems).toEqual([]);
  }, 180_000);

  it.each(runnable.map((b) => [where(b), b] as const))('%s runs offline against assetlink/testing', async (_where, block) => {
    await import(pathToFileURL(path.join(out, block.module)).href);
  }, 120_000);

  it('JSON blocks holding a CLI config or an integration are valid as written', () => {
    const json = all.filter((b) => b.lang === 'json' && b.marker !== 'partial').map((b) => ({ b, value: JSON.parse(b.code) as Record<string, unknown> }));
    const integrations = json.flatMap(({ b, value }) => {
      if (Array.isArray(value.integrations)) return (value.integrations as Integration[]).map((i) => ({ b, i }));
      return typeof value.provider === 'string' ? [{ b, i: value as unknown as Integration }] : [];
    });
    expect(integrations.length).toBeGreaterThan(0);
    const invalid = integrations.flatMap(({ b, i }) => {
      // CLI configs may name secrets ({ "env": … }); resolve them as the CLI does, with every variable set.
      const anyEnv = new Proxy({}, { get: () => 'documented-secret' }) as NodeJS.ProcessEnv;
      try { validateIntegration(resolveSecretRefs([i], { env: anyEnv, baseDir: process.cwd() })[0] as Integration); return []; } catch (error) { return [`${where(b)}: ${(error as Error).message}`]; }
    });
    expect(invalid).toEqual([]);
  });
});
