/* npm run bench — runs every benchmark module, prints a table, records results in docs/performance.md. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchRow } from './measure.js';

const modules = ['aws', 'gcp', 'azure', 'cold', 'cache', 'streaming', 'tenant', 'list', 'presign-many'] as const;
const only = process.argv.slice(2);
const results: Record<string, BenchRow[] | { error: string }> = {};

for (const name of modules) {
  if (only.length && !only.includes(name)) continue;
  process.stdout.write(`bench ${name} … `);
  try {
    const mod = (await import(`./${name}.js`)) as { bench(): Promise<BenchRow[]> };
    results[name] = await mod.bench();
    process.stdout.write('done\n');
  } catch (error) {
    results[name] = { error: error instanceof Error ? error.message : String(error) };
    process.stdout.write(`failed: ${(results[name] as { error: string }).error}\n`);
  }
}

const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
const lines: string[] = [];
for (const [name, rows] of Object.entries(results)) {
  lines.push(`\n### ${name}\n`);
  if (!Array.isArray(rows)) { lines.push(`failed: ${rows.error}`); continue; }
  lines.push('| benchmark | assetlink ops/s | baseline | baseline ops/s | ratio | target | notes |', '| --- | ---: | --- | ---: | ---: | ---: | --- |');
  for (const r of rows) {
    const verdict = r.target === undefined ? '' : r.ratio >= r.target ? ` ≥ ${r.target}× ✔` : ` < ${r.target}× ✘`;
    lines.push(`| ${r.name} | ${fmt(r.opsPerSec)} | ${r.baseline} | ${fmt(r.baselineOpsPerSec)} | ${r.ratio.toFixed(2)}× |${verdict} | ${r.note ?? ''} |`);
  }
}
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const stamp = new Date().toISOString();
console.log(`\n${machine}\n${lines.join('\n')}`);

const root = path.resolve(import.meta.dirname, '..');
await fs.mkdir(path.join(root, 'bench/results'), { recursive: true });
await fs.writeFile(path.join(root, 'bench/results', `${stamp.replace(/[:.]/g, '-')}.json`), `${JSON.stringify({ stamp, machine, results }, null, 2)}\n`);
const docPath = path.join(root, 'docs/performance.md');
const doc = await fs.readFile(docPath, 'utf8').catch(() => '# Performance\n');
const marker = '<!-- bench:latest -->';
const head = doc.includes(marker) ? doc.slice(0, doc.indexOf(marker)) : `${doc.trimEnd()}\n\n`;
await fs.writeFile(docPath, `${head}${marker}\n## Latest run\n\n${stamp} on ${machine}. Every ratio compares assetlink with the named baseline measured in the same process and run.\n${lines.join('\n')}\n`);
console.log(`\nwritten: docs/performance.md and bench/results/${stamp.replace(/[:.]/g, '-')}.json`);
