import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAssetResolver, fetchPresigned, type AssetResolver } from '../../src/index.js';
import { useProcFdForTests } from '../../src/resolvers/file-paths.js';
import { codeOf } from '../helpers/failure.js';
import { detectHandleLeaks } from '../helpers/handle-leaks.js';

detectHandleLeaks();

/**
 * Issue 13 item 2: a `file` integration never reaches outside its root through a symbolic link, on
 * any code path — head, read, bytes, write, delete, presign, and the presigned URLs served by
 * fetchPresigned (GET and PUT) — whichever component is the link (first, deep, last, the root
 * itself), and also when a directory is swapped for a link while operations run (TOCTOU).
 * Both walks run: the fd-relative one (Linux procfs) and the portable verify-after-open one.
 */

const SECRET = 'SECRET outside the root';

describe.each([
  ['fd-relative walk (procfs)', true],
  ['portable walk (verify after open)', false],
] as const)('file provider and symbolic links: %s', (_mode, procFd) => {
  let base: string;
  let root: string;
  let outside: string;
  let resolver: AssetResolver;
  const uri = (rel: string): string => `file://${root}/${rel}`;
  const outsideFiles = async (): Promise<string[]> => (await fs.readdir(outside)).sort();

  beforeAll(async () => {
    useProcFdForTests(procFd);
    base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'assetlink-links-')));
    root = path.join(base, 'root');
    outside = path.join(base, 'outside');
    await fs.mkdir(path.join(root, 'real/deep'), { recursive: true });
    await fs.mkdir(outside);
    await fs.writeFile(path.join(outside, 'secret.txt'), SECRET);
    await fs.writeFile(path.join(root, 'real/deep/inside.txt'), 'inside');
    await fs.symlink(outside, path.join(root, 'link'));                                  // first component
    await fs.symlink(outside, path.join(root, 'real/deep/link'));                        // deep component
    await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'real/file-link.txt')); // last component
    await fs.symlink('../../..', path.join(root, 'real/deep/up'));                        // '..' after link resolution
    await fs.symlink(root, path.join(base, 'root-link'));
    resolver = createAssetResolver({
      integrations: [
        { id: 'files', provider: 'file', mode: 'read-write', scope: { root } },
        { id: 'linked-root', provider: 'file', mode: 'read-write', scope: { root: path.join(base, 'root-link') } },
      ],
    });
  });
  afterAll(async () => {
    useProcFdForTests(true);
    await resolver?.close();
    await fs.rm(base, { recursive: true, force: true });
  });

  const escapes = ['link/secret.txt', 'real/deep/link/secret.txt', 'real/file-link.txt', 'real/deep/up/outside/secret.txt'];

  it.each(escapes)('refuses %s on head, read, bytes, write and delete', async (rel) => {
    const asset = await resolver.resolveAsset(uri(rel));
    expect(await codeOf(asset.head())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.read())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.read({ range: { start: 0, end: 3 } }))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.bytes())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.write('pwned'))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.write(new ReadableStream({ start: (c) => { c.enqueue(new TextEncoder().encode('pwned')); c.close(); } })))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.delete())).toBe('OUT_OF_SCOPE');
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
    expect(await outsideFiles()).toEqual(['secret.txt']);
  });

  it.each(escapes)('refuses to presign %s, for GET and for PUT', async (rel) => {
    expect(await codeOf(resolver.presign(uri(rel), 60))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(resolver.presign(uri(rel), 60, { method: 'PUT' }))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(resolver.presign(uri(`${rel}/../x`), 60))).toBe('INVALID_URI');
  });

  it('a URL presigned while the path was clean is refused (403) once a link is swapped in — GET and PUT', async () => {
    await fs.mkdir(path.join(root, 'swap'), { recursive: true });
    await fs.writeFile(path.join(root, 'swap/secret.txt'), 'inside before the swap');
    const get = await resolver.presign(uri('swap/secret.txt'), 60);
    const put = await resolver.presign(uri('swap/new.txt'), 60, { method: 'PUT' });
    expect(await (await fetchPresigned(get.url)).text()).toBe('inside before the swap');

    await fs.rename(path.join(root, 'swap'), path.join(root, 'swap.real'));
    await fs.symlink(outside, path.join(root, 'swap'));
    try {
      const got = await fetchPresigned(get.url);
      expect(got.status).toBe(403);
      expect(await got.text()).not.toContain(SECRET);
      const stream = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new TextEncoder().encode('pwned')); c.close(); } });
      expect((await fetchPresigned(put.url, { method: 'PUT', body: stream, duplex: 'half' } as RequestInit)).status).toBe(403);
      expect((await fetchPresigned(put.url, { method: 'PUT', body: 'pwned' })).status).toBe(403);
      expect(await outsideFiles()).toEqual(['secret.txt']);
    } finally {
      await fs.unlink(path.join(root, 'swap'));
      await fs.rename(path.join(root, 'swap.real'), path.join(root, 'swap'));
    }
    // Back to a real directory: the same URLs work again, inside the root.
    expect((await fetchPresigned(put.url, { method: 'PUT', body: 'written inside' })).status).toBe(200);
    expect(await fs.readFile(path.join(root, 'swap/new.txt'), 'utf8')).toBe('written inside');
  });

  it('a presigned URL cannot be pointed at another root or path (the root is signed)', async () => {
    const get = await resolver.presign(uri('real/deep/inside.txt'), 60);
    expect(await (await fetchPresigned(get.url)).text()).toBe('inside');
    const otherRoot = get.url.replace(/X-AssetLink-Root=[^&]+/, `X-AssetLink-Root=${encodeURIComponent(base)}`);
    expect((await fetchPresigned(otherRoot)).status).toBe(403);
    const noRoot = get.url.replace(/&?X-AssetLink-Root=[^&]+/, '');
    expect((await fetchPresigned(noRoot)).status).toBe(403);
  });

  it('a root that is itself a symbolic link is refused on every operation', async () => {
    const asset = await resolver.resolveAsset(`file://${base}/root-link/real/deep/inside.txt`, 'linked-root');
    expect(await codeOf(asset.head())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.bytes())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.write('x'))).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.delete())).toBe('OUT_OF_SCOPE');
    expect(await codeOf(asset.presign({ ttlSeconds: 60 }))).toBe('OUT_OF_SCOPE');
  });

  it('deleting a link removes neither the link nor its target', async () => {
    const asset = await resolver.resolveAsset(uri('real/file-link.txt'));
    expect(await codeOf(asset.delete())).toBe('OUT_OF_SCOPE');
    expect((await fs.lstat(path.join(root, 'real/file-link.txt'))).isSymbolicLink()).toBe(true);
    expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
  });

  it('a FIFO (or anything but a regular file) is NOT_FOUND at once, never a read that hangs', async () => {
    const fifo = path.join(root, 'real/pipe');
    const made = spawn('mkfifo', [fifo]);
    await new Promise((resolve) => made.once('exit', resolve));
    const asset = await resolver.resolveAsset(uri('real/pipe'));
    expect(await codeOf(asset.bytes())).toBe('NOT_FOUND');
    expect(await codeOf(asset.head())).toBe('NOT_FOUND');
    const dir = await resolver.resolveAsset(uri('real/deep'));
    expect(await codeOf(dir.bytes())).toBe('NOT_FOUND');
    const url = await resolver.presign(uri('real/pipe'), 60);
    expect((await fetchPresigned(url.url)).status).toBe(404);
  });

  describe('a directory swapped for a link while operations run (TOCTOU)', () => {
    let swapper: ChildProcess | undefined;
    afterEach(async () => {
      if (swapper && swapper.exitCode === null && swapper.signalCode === null) {
        const exited = new Promise((resolve) => swapper!.once('exit', resolve));
        swapper.kill('SIGKILL');
        await exited;
      }
      await fs.rm(path.join(root, 'race'), { recursive: true, force: true });
      await fs.rm(path.join(root, 'race.real'), { recursive: true, force: true });
    });

    it('never reads, writes or deletes outside the root', async () => {
      await fs.mkdir(path.join(root, 'race'));
      await fs.writeFile(path.join(root, 'race/secret.txt'), 'inside');
      const before = await outsideFiles();
      const get = await resolver.presign(uri('race/secret.txt'), 60);
      // Flips root/race between the real directory and a link to `outside`, as fast as it can.
      const script = `
        const fs = require('node:fs');
        const [dir, real, target] = process.argv.slice(1);
        for (let i = 0; ; i++) {
          try { fs.renameSync(dir, real); fs.symlinkSync(target, dir); fs.unlinkSync(dir); fs.renameSync(real, dir); } catch {}
          if (i === 100) process.stdout.write('flipping\\n');
        }`;
      swapper = spawn(process.execPath, ['-e', script, path.join(root, 'race'), path.join(root, 'race.real'), outside], { stdio: ['ignore', 'pipe', 'ignore'] });
      await new Promise((resolve) => swapper!.stdout!.once('data', resolve));
      const outcomes: Record<string, number> = {};
      const count = (k: string): void => { outcomes[k] = (outcomes[k] ?? 0) + 1; };
      let leaked = 0;
      for (let i = 0; i < 600; i++) {
        const asset = await resolver.resolveAsset(uri('race/secret.txt'));
        const op = i % 4;
        if (op === 0) {
          const read = await asset.bytes().then((b) => new TextDecoder().decode(b), (e: { code: string }) => e.code);
          if (read.includes('SECRET')) leaked++;
          count(read === 'inside' ? 'read' : read);
        } else if (op === 1) {
          count(await codeOf(asset.write('inside')));
        } else if (op === 2) {
          count(await codeOf(asset.head()));
        } else {
          const res = await fetchPresigned(get.url);
          const text = await res.text();
          if (text.includes('SECRET')) leaked++;
          count(`fetch ${res.status}`);
        }
      }
      const kill = new Promise((resolve) => swapper!.once('exit', resolve));
      swapper.kill('SIGKILL');
      await kill;
      console.log(`[file] TOCTOU race (${_mode}) ${JSON.stringify(outcomes)}`);
      expect(leaked).toBe(0);
      expect(await fs.readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(SECRET);
      // Nothing was written outside: no new file, the secret unchanged. (The portable walk may leave
      // an empty temporary file there in a lost race: it detects the swap before writing a byte.)
      const after = (await outsideFiles()).filter((n) => procFd || !/^\.assetlink-[0-9a-f]+\.tmp$/.test(n));
      expect(after).toEqual(before);
      for (const name of await outsideFiles()) {
        if (name !== 'secret.txt') expect((await fs.stat(path.join(outside, name))).size).toBe(0);
      }
    }, 60_000);
  });
});
