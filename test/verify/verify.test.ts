import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAssetResolver, type VerificationCheck } from '../../src/index.js';
import { memoryStore, putMemoryObject } from '../../src/testing/index.js';

describe('resolver.verify (memory and file)', () => {
  it('a healthy read-write integration is active; the probe is created, read back and removed', async () => {
    const seen: string[] = [];
    const resolver = createAssetResolver({
      integrations: [{ id: 'rw', provider: 'memory', mode: 'read-write', scope: { bucket: 'verify-rw', prefix: 'labels' } }],
    });
    const store = memoryStore('verify-rw');
    const writes: string[] = [];
    const originalSet = store.set.bind(store);
    store.set = (k, v) => { writes.push(k); return originalSet(k, v); };
    const report = await resolver.verify('rw', { onCheck: (c: VerificationCheck) => seen.push(`${c.name}:${c.status}`) });
    expect(report.status).toBe('active');
    expect(report.failing).toEqual([]);
    expect(seen).toEqual(['credentials:skipped', 'list:pass', 'sample-read:skipped', 'write-probe:pass', 'cors:skipped']);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^labels\/\.assetlink\/verify-[0-9a-f]{16}$/);
    expect([...store.keys()]).toEqual([]); // nothing left behind
  });

  it('reads the sample URI, and a missing sample keeps the integration pending with a hint', async () => {
    putMemoryObject('verify-ro', 'in/sample.jpg', new Uint8Array([1, 2, 3]));
    const resolver = createAssetResolver({ integrations: [{ id: 'ro', provider: 'memory', scope: { bucket: 'verify-ro', prefix: 'in' } }] });
    const ok = await resolver.verify('ro', { sampleUri: 'memory://verify-ro/in/sample.jpg' });
    expect(ok.status).toBe('active');
    expect(ok.checks.find((c) => c.name === 'sample-read')).toMatchObject({ status: 'pass' });
    // A read-only integration never gets a write probe from assetlink; memory has no credentials to probe.
    expect(ok.checks.find((c) => c.name === 'write-probe')).toBeUndefined();
    expect(ok.checks.find((c) => c.name === 'read-only-enforced')).toMatchObject({ status: 'skipped' });
    expect([...memoryStore('verify-ro').keys()]).toEqual(['in/sample.jpg']);

    const missing = await resolver.verify('ro', { sampleUri: 'memory://verify-ro/in/nope.jpg' });
    expect(missing.status).toBe('pending');
    expect(missing.failing).toEqual(['sample-read']);
    const check = missing.checks.find((c) => c.name === 'sample-read')!;
    expect(check.code).toBe('NOT_FOUND');
    expect(check.hint).toBeTruthy();

    const outside = await resolver.verify('ro', { sampleUri: 'memory://verify-ro/other/x.jpg' });
    expect(outside.checks.find((c) => c.name === 'sample-read')).toMatchObject({ status: 'fail', code: 'OUT_OF_SCOPE' });
  });

  it('a write probe that fails midway leaves the integration pending and nothing behind', async () => {
    const base = await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-verify-'));
    const root = path.join(base, 'does-not-exist-yet');
    const resolver = createAssetResolver({ integrations: [{ id: 'files', provider: 'file', mode: 'read-write', scope: { root } }] });
    const report = await resolver.verify('files');
    expect(report.status).toBe('pending');
    expect(report.failing).toContain('write-probe');
    expect(report.checks.find((c) => c.name === 'write-probe')).toMatchObject({ status: 'fail', code: 'NOT_FOUND' });
    await expect(fs.readdir(base)).resolves.toEqual([]);
    await fs.rm(base, { recursive: true, force: true });
  });

  it('probes under a file root and cleans up', async () => {
    const root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-verify-')));
    const resolver = createAssetResolver({ integrations: [{ id: 'files', provider: 'file', mode: 'read-write', scope: { root } }] });
    const report = await resolver.verify('files', { origin: 'https://app.example.com' });
    expect(report.status).toBe('active');
    expect(report.checks.find((c) => c.name === 'cors')).toMatchObject({ status: 'skipped' });
    const left = await fs.readdir(path.join(root, '.assetlink')).catch(() => []);
    expect(left).toEqual([]);
    await fs.rm(root, { recursive: true, force: true });
  });
});
