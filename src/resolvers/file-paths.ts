import { randomBytes } from 'node:crypto';
import { constants, existsSync, type Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, OutOfScopeError } from '../errors.js';

/**
 * Race-free path walking for `file` integrations.
 *
 * Node has no `openat`, but on Linux `/proc/self/fd/N/name` resolves `name` inside the directory
 * that descriptor N holds open — wherever that directory is now, and without looking at any path
 * string above it. So the walk opens the root (refusing a root that is itself a symbolic link),
 * then every directory below it, each one relative to the descriptor of its parent and with
 * `O_NOFOLLOW`, and finally opens, creates, renames or unlinks the last name relative to the
 * descriptor of its directory. A symbolic link anywhere below the root is refused; swapping a
 * directory for a link between one step and the next changes nothing, because no step ever
 * resolves a path from the root again.
 *
 * Where `/proc/self/fd` is unavailable (macOS, a container without procfs) the walk uses plain
 * paths with the same per-component checks and re-verifies, after opening, that the descriptor is
 * the file the path names (device and inode): a swap during the operation is then detected and
 * refused, but not prevented (see docs/security.md).
 *
 * Every descriptor opened here is closed on every path, errors and refusals included.
 */

let procFd = process.platform === 'linux' && existsSync('/proc/self/fd');

/** TEST ONLY: run the portable (path-based, verify-after-open) walk even where procfs exists. */
export function useProcFdForTests(enabled: boolean): void {
  procFd = enabled && process.platform === 'linux' && existsSync('/proc/self/fd');
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
/** Never follows a final symlink; never blocks on a FIFO planted in the root. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** The directory that holds the target, open, plus the target's name in it. */
export class ParentDir {
  constructor(
    private readonly handle: FileHandle,
    /** The directory's path as walked (for the portable mode and messages). */
    readonly dirPath: string,
    readonly name: string,
  ) {}

  /** A path that names `name` inside this open directory (fd-relative where procfs allows). */
  at(name: string = this.name): string {
    return procFd ? `/proc/self/fd/${this.handle.fd}/${name}` : path.join(this.dirPath, name);
  }

  get fdRelative(): boolean { return procFd; }

  close(): Promise<void> { return this.handle.close().catch(() => undefined); }
}

export interface WalkOptions {
  /** Create missing directories (writes). */
  create: boolean;
  /** A missing directory ends the walk with `undefined` instead of NOT_FOUND (presign checks). */
  allowMissing?: boolean;
}

function linkRefusal(uri: string, root: string): OutOfScopeError {
  return new OutOfScopeError(`${uri} goes through a symbolic link; file integrations refuse links so nothing can escape ${root}`, { uri });
}

/** The key's segments below the root; refuses anything that is not a plain relative path. */
export function segmentsBelow(root: string, key: string, uri: string): string[] {
  const rootKey = root.replace(/^\/+/, '').replace(/\/+$/, '');
  if (!key.startsWith(`${rootKey}/`)) throw new OutOfScopeError(`${uri} is outside ${root}`, { uri });
  const segments = key.slice(rootKey.length + 1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw new OutOfScopeError(`${uri} is not a plain path below ${root}`, { uri });
  }
  return segments;
}

async function openRoot(root: string, uri: string): Promise<FileHandle> {
  try {
    return await fs.open(root, DIR_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`the root directory ${root} of this file integration does not exist`, { uri });
    if (code === 'ENOTDIR' || code === 'ELOOP') {
      const stat = await fs.lstat(root).catch(() => undefined);
      if (stat?.isSymbolicLink()) {
        throw new OutOfScopeError(`the root ${root} of this file integration is a symbolic link; point scope.root at the real directory`, { uri });
      }
      throw new NotFoundError(`the root ${root} of this file integration is not a directory`, { uri });
    }
    throw error;
  }
}

/**
 * Opens every directory from the root down to the target's parent, each relative to the one above,
 * refusing links. Returns the open parent, or `undefined` when `allowMissing` and a directory is missing.
 */
export async function walkToParent(root: string, key: string, uri: string, options: WalkOptions): Promise<ParentDir | undefined> {
  const segments = segmentsBelow(root, key, uri);
  let dir = await openRoot(root, uri);
  let dirPath = root;
  try {
    for (const segment of segments.slice(0, -1)) {
      const parent = new ParentDir(dir, dirPath, segment);
      let next: FileHandle | undefined;
      for (let attempt = 0; next === undefined; attempt++) {
        try {
          next = await fs.open(parent.at(), DIR_FLAGS);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            if (options.allowMissing) { await dir.close().catch(() => undefined); return undefined; }
            if (!options.create || attempt > 0) throw new NotFoundError(`${uri} does not exist`, { uri });
            await fs.mkdir(parent.at()).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e; });
            continue;
          }
          if (code === 'ENOTDIR' || code === 'ELOOP') {
            const stat = await fs.lstat(parent.at()).catch(() => undefined);
            if (stat?.isSymbolicLink()) throw linkRefusal(uri, root);
            throw new NotFoundError(`${uri} does not exist (${segment} is not a directory)`, { uri });
          }
          throw error;
        }
      }
      const opened = next;
      dirPath = path.join(dirPath, segment);
      if (!procFd) await verifySame(opened, dirPath, uri, root).catch(async (e: unknown) => { await opened.close(); throw e; });
      await dir.close().catch(() => undefined);
      dir = opened;
    }
    return new ParentDir(dir, dirPath, segments[segments.length - 1]!);
  } catch (error) {
    await dir.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Portable mode only: the descriptor must be the very file the path names now, reached without a
 * link on the way. Detects a directory swapped for a link between the walk and the open.
 */
async function verifySame(handle: FileHandle, fullPath: string, uri: string, root: string): Promise<void> {
  const [opened, named, real] = await Promise.all([handle.stat(), fs.lstat(fullPath).catch(() => undefined), fs.realpath(fullPath).catch(() => undefined)]);
  const rootReal = await fs.realpath(root).catch(() => undefined);
  const inside = real !== undefined && rootReal !== undefined && (real === rootReal || real.startsWith(`${rootReal}${path.sep}`));
  if (!named || named.isSymbolicLink() || !sameFile(opened, named) || !inside) throw linkRefusal(uri, root);
}

function sameFile(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** Opens the target for reading: a regular file, not a link, inside the root. The caller owns the handle. */
export async function openFileForRead(root: string, key: string, uri: string): Promise<{ handle: FileHandle; stat: Stats }> {
  const parent = (await walkToParent(root, key, uri, { create: false }))!;
  try {
    let handle: FileHandle;
    try {
      handle = await fs.open(parent.at(), READ_FLAGS);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') throw linkRefusal(uri, root);
      throw error;
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new NotFoundError(`${uri} is not a file`, { uri });
      if (!parent.fdRelative) await verifySame(handle, parent.at(), uri, root);
      return { handle, stat };
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  } finally {
    await parent.close();
  }
}

/** Refuses a path that goes through a link (presign): checks what exists, creates nothing. */
export async function checkPathForPresign(root: string, key: string, uri: string): Promise<void> {
  const parent = await walkToParent(root, key, uri, { create: false, allowMissing: true });
  if (!parent) return;
  try {
    const stat = await fs.lstat(parent.at()).catch(() => undefined);
    if (stat?.isSymbolicLink()) throw linkRefusal(uri, root);
  } finally {
    await parent.close();
  }
}

export type WriteSource = Uint8Array | AsyncIterable<Uint8Array>;

/**
 * Writes beside the target and renames over it, both relative to the open parent directory, so
 * readers never see half a file and the rename can only ever land inside the root. Missing
 * directories are created. A rename replaces a link at the target rather than writing through it.
 */
export async function writeFileAtomically(root: string, key: string, uri: string, body: WriteSource): Promise<void> {
  const parent = (await walkToParent(root, key, uri, { create: true }))!;
  const temp = `.assetlink-${randomBytes(6).toString('hex')}.tmp`;
  let created = false;
  try {
    const existing = await fs.lstat(parent.at()).catch(() => undefined);
    if (existing?.isSymbolicLink()) throw linkRefusal(uri, root);
    if (existing?.isDirectory()) throw new NotFoundError(`${uri} is a directory`, { uri });
    const handle = await fs.open(parent.at(temp), CREATE_FLAGS, 0o644);
    created = true;
    try {
      if (!parent.fdRelative) await verifySame(handle, parent.at(temp), uri, root);
      if (body instanceof Uint8Array) await handle.writeFile(body);
      else for await (const chunk of body) await handle.write(chunk);
    } finally {
      await handle.close();
    }
    await fs.rename(parent.at(temp), parent.at());
    created = false;
  } finally {
    if (created) await fs.unlink(parent.at(temp)).catch(() => undefined);
    await parent.close();
  }
}

/** Deletes the target (not through a link); a missing target is not an error. */
export async function deleteFile(root: string, key: string, uri: string): Promise<void> {
  const parent = await walkToParent(root, key, uri, { create: false, allowMissing: true });
  if (!parent) return;
  try {
    const stat = await fs.lstat(parent.at()).catch(() => undefined);
    if (!stat) return;
    if (stat.isSymbolicLink()) throw linkRefusal(uri, root);
    if (stat.isDirectory()) return; // no object has this key
    await fs.unlink(parent.at()).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
  } finally {
    await parent.close();
  }
}

/**
 * Keys of regular files below the root (at most `limit + 1`), each directory opened relative to its
 * parent with `O_NOFOLLOW`: links are neither listed nor followed, not even one swapped in mid-walk.
 */
export async function listFilesBelow(root: string, uri: string, limit: number): Promise<string[]> {
  const rootKey = root.replace(/^\/+/, '').replace(/\/+$/, '');
  const keys: string[] = [];
  const visit = async (dir: FileHandle, dirPath: string, relative: string): Promise<void> => {
    try {
      const listing = procFd ? `/proc/self/fd/${dir.fd}` : dirPath;
      const entries = await fs.readdir(listing, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (keys.length > limit) return;
        const childRelative = relative === '' ? entry.name : `${relative}/${entry.name}`;
        if (entry.isFile()) keys.push(`${rootKey}/${childRelative}`);
        else if (entry.isDirectory()) {
          const child = new ParentDir(dir, dirPath, entry.name);
          const opened = await fs.open(child.at(), DIR_FLAGS).catch(() => undefined);
          if (opened) await visit(opened, path.join(dirPath, entry.name), childRelative);
        }
      }
    } finally {
      await dir.close().catch(() => undefined);
    }
  };
  await visit(await openRoot(root, uri), root, '');
  return keys;
}
