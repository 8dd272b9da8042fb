/** One benchmark comparison: assetlink against a baseline measured in the same process and run. */
export interface BenchRow {
  name: string;
  baseline: string;
  opsPerSec: number;
  baselineOpsPerSec: number;
  /** opsPerSec / baselineOpsPerSec. */
  ratio: number;
  /** Minimum ratio the issue asks for, when it names one. */
  target?: number;
  note?: string;
}

/** Runs `fn` repeatedly for about `durationMs` after a warm-up and returns operations per second. */
export async function opsPerSecond(fn: () => unknown | Promise<unknown>, durationMs = 1_000, batch = 50): Promise<number> {
  const warmEnd = performance.now() + Math.min(300, durationMs / 3);
  while (performance.now() < warmEnd) for (let i = 0; i < batch; i++) await fn();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < durationMs) {
    for (let i = 0; i < batch; i++) await fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

export function compare(name: string, baseline: string, ops: number, baseOps: number, target?: number, note?: string): BenchRow {
  return { name, baseline, opsPerSec: ops, baselineOpsPerSec: baseOps, ratio: ops / baseOps, ...(target !== undefined ? { target } : {}), ...(note ? { note } : {}) };
}
