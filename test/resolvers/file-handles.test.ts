import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Issue 13 item 11: no FileHandle is ever left for the garbage collector. Node closes such a
 * handle's descriptor at GC — by then the number may belong to another file, which then fails with
 * EBADF (or worse, is closed under its owner). The runner drives the file and memory drivers
 * through every path in a fresh process started with --expose-gc, forces GC, and reports Node's
 * "Closing file descriptor N on garbage collection" warnings and the open descriptor count.
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const RUNNER = path.join(import.meta.dirname, 'fixtures/handle-leak-runner.ts');

interface Report { ops?: number; fdsBefore?: number; fdsAfter?: number; warnings?: string[]; error?: string }

async function runner(env: Record<string, string> = {}): Promise<Report> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', RUNNER], {
    cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000, maxBuffer: 10 * 1024 * 1024,
  }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr }));
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as Report;
}

describe('file handles are closed on every path', () => {
  it('the detector sees a deliberately leaked handle', async () => {
    const report = await runner({ LEAK_SELF_TEST: '1' });
    expect(report.error).toBeUndefined();
    expect(report.warnings!.some((w) => /Closing file descriptor \d+ on garbage collection/.test(w))).toBe(true);
  }, 120_000);

  it('file and memory drivers: no handle left to the garbage collector, no descriptor growth', async () => {
    const report = await runner();
    console.log(`[file] handle leaks ${JSON.stringify(report)}`);
    expect(report.error).toBeUndefined();
    expect(report.ops).toBeGreaterThan(100);
    expect(report.warnings).toEqual([]);
    expect(report.fdsAfter).toBe(report.fdsBefore);
  }, 120_000);
});
