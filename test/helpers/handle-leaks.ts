import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, expect } from 'vitest';

v8.setFlagsFromString('--expose-gc');
/** The engine's gc(), available without starting the test process with --expose-gc. */
export const forceGc = vm.runInNewContext('gc') as () => void;

/** What Node prints when a FileHandle is garbage-collected while still open (and closes its fd behind everyone's back). */
export const GC_CLOSE = /Closing file descriptor \d+ on garbage collection|Closing a FileHandle object on garbage collection/;

export async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    forceGc();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Fails the test file if any FileHandle was left for the garbage collector to close: such a
 * handle's descriptor number may meanwhile belong to another file, and the late close then breaks
 * that one (EBADF). Call at the top level of a test file.
 */
export function detectHandleLeaks(): void {
  const leaks: string[] = [];
  const onWarning = (warning: Error): void => { if (GC_CLOSE.test(warning.message)) leaks.push(warning.message); };
  beforeAll(() => { process.on('warning', onWarning); });
  afterAll(async () => {
    await collectGarbage();
    process.off('warning', onWarning);
    expect(leaks, 'file handles left open for the garbage collector to close').toEqual([]);
  });
}
