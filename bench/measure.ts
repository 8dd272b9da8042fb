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

/**
 * Alternates short rounds of every contender and keeps each one's best, so a burst of background
 * load does not land on one side of a ratio only.
 */
export async function bestOfInterleaved(fns: Array<() => unknown>, rounds: number, durationMs: number, batch = 20): Promise<number[]> {
  const best = fns.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    for (const [i, fn] of fns.entries()) best[i] = Math.max(best[i]!, await opsPerSecond(fn, durationMs, batch));
  }
  return best;
}

export function compare(name: string, baseline: string, ops: number, baseOps: number, target?: number, note?: string): BenchRow {
  return { name, baseline, opsPerSec: ops, baselineOpsPerSec: baseOps, ratio: ops / baseOps, ...(target !== undefined ? { target } : {}), ...(note ? { note } : {}) };
}

/**
 * Runs `node ...args` as a fresh child (no inherited NODE_OPTIONS, no cloud metadata probes) in
 * `cwd` and returns the JSON object on its last stdout line.
 */
export async function runJsonChild<T>(args: string[], cwd: string, env: Record<string, string> = {}, label = args.join(' ')): Promise<T> {
  const { spawn } = await import('node:child_process');
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env, ...env,
    AWS_EC2_METADATA_DISABLED: 'true', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    GCE_METADATA_HOST: '127.0.0.1:9', GCE_METADATA_IP: '127.0.0.1:9', METADATA_SERVER_DETECTION: 'none', STORAGE_EMULATOR_HOST: '',
  };
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) { reject(new Error(`child ${label} exited ${code}: ${err.trim().slice(-800)}`)); return; }
      resolve(JSON.parse(line) as T);
    });
  });
}
