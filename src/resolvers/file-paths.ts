import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, OutOfScopeError } from '../errors.js';

/**
 * Walks from the integration root to the target one segment at a time, refusing symlinks at every
 * step (including the last), so neither `..` nor a link can lead outside the root. Missing
 * directories are created only when `create` is set (writes).
 */
export async function safePath(root: string, key: string, uri: string, create: boolean): Promise<string> {
  const rootReal = await fs.realpath(root).catch(() => {
    throw new NotFoundError(`the root directory ${root} of this file integration does not exist`, { uri });
  });
  const rootKey = root.replace(/^\/+/, '').replace(/\/+$/, '');
  const relative = key.slice(rootKey.length + 1);
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    throw new OutOfScopeError(`${uri} is not a plain path below ${root}`, { uri });
  }
  let current = rootReal;
  for (let i = 0; i < segments.length; i++) {
    current = path.join(current, segments[i]!);
    const last = i === segments.length - 1;
    const stat = await fs.lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat?.isSymbolicLink()) throw new OutOfScopeError(`${uri} goes through a symbolic link; file integrations refuse links so nothing can escape ${root}`, { uri });
    if (!stat && !last) {
      if (!create) throw new NotFoundError(`${uri} does not exist`, { uri });
      await fs.mkdir(current);
    }
    if (stat && !last && !stat.isDirectory()) throw new NotFoundError(`${uri} does not exist (${segments.slice(0, i + 1).join('/')} is a file)`, { uri });
  }
  if (path.relative(rootReal, current).startsWith('..')) throw new OutOfScopeError(`${uri} escapes ${root}`, { uri });
  return current;
}

/** Opens without following a final symlink, closing the race between the walk and the open. */
export const READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;
