import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { OutOfScopeError } from '../errors.js';
import { compareUtf8 } from './key-order.js';
import type { ListPage, ListPageObject, ListPageRequest } from './driver.js';

/**
 * One listing page of a `file` integration's directory tree, in the key order S3 would list the
 * same names: a directory `a` is walked at the place of `a/`, so `a-b` and `a.b` come before
 * everything under `a/`. Symbolic links (and anything but regular files and directories) are never
 * listed nor followed, like every other file operation of this provider; neither are the temporary
 * files writes rename into place. Each page walks down to where the previous one stopped (the page
 * token is the last key returned) and reads one directory listing per level on the way.
 */

const TEMP_WRITE = /^\.assetlink-[0-9a-f]{12}\.tmp$/;

interface Found { key: string; file?: string; folded?: boolean }

export async function listDirectoryPage(root: string, request: ListPageRequest): Promise<ListPage> {
  const rootKey = root.replace(/^\/+/, '').replace(/\/+$/, '');
  const base = `${rootKey}/`;
  const { prefix, delimiter, pageSize, endBefore } = request;
  if (!prefix.startsWith(base)) throw new OutOfScopeError(`listing ${prefix} is outside the root ${root}`);
  const after = request.pageToken !== undefined ? Buffer.from(request.pageToken, 'base64url').toString('utf8') : request.startAfter;
  const dirKey = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const namePrefix = prefix.slice(dirKey.length);
  const start = await directoryBelowRoot(root, dirKey.slice(base.length));
  const found: Found[] = [];
  if (start !== undefined) {
    const walker = new Walker(pageSize + 1, after, endBefore, delimiter);
    await walker.walk(start, dirKey, namePrefix);
    found.push(...walker.found);
  }
  const more = found.length > pageSize;
  const page = found.slice(0, pageSize);
  const objects = (await Promise.all(page.map(async (f): Promise<ListPageObject | undefined> => {
    if (f.folded || !f.file) return undefined;
    const stat = await fs.lstat(f.file).catch(() => undefined);
    if (!stat?.isFile()) return undefined; // gone (or replaced) since the directory was read
    return { key: f.key, size: stat.size, lastModified: stat.mtime, etag: `"${stat.size.toString(16)}-${stat.mtimeMs.toString(16)}"` };
  }))).filter((o): o is ListPageObject => o !== undefined);
  const prefixes = page.filter((f) => f.folded).map((f) => f.key);
  return { objects, prefixes, ...(more ? { nextPageToken: Buffer.from(page[page.length - 1]!.key, 'utf8').toString('base64url') } : {}) };
}

/** The real directory at `relative` below the root, refusing symbolic links on the way; undefined when missing. */
async function directoryBelowRoot(root: string, relative: string): Promise<string | undefined> {
  let current = await fs.realpath(root).catch(() => undefined);
  if (current === undefined) return undefined;
  for (const segment of relative.split('/').filter((s) => s !== '')) {
    if (segment === '.' || segment === '..') throw new OutOfScopeError(`${relative} is not a plain path below ${root}`);
    current = path.join(current, segment);
    const stat = await fs.lstat(current).catch(() => undefined);
    if (stat === undefined) return undefined;
    if (stat.isSymbolicLink()) throw new OutOfScopeError(`${relative} goes through a symbolic link; file integrations refuse links so nothing can escape ${root}`);
    if (!stat.isDirectory()) return undefined;
  }
  return current;
}

class Walker {
  readonly found: Found[] = [];
  #done = false;

  constructor(
    readonly want: number,
    readonly after: string | undefined,
    readonly endBefore: string | undefined,
    readonly delimiter: boolean,
  ) {}

  async walk(dir: string, dirKey: string, namePrefix: string): Promise<void> {
    const entries = await readSorted(dir);
    for (const { entry, sortKey } of entries) {
      if (this.#done) return;
      if (!entry.name.startsWith(namePrefix)) continue;
      const key = dirKey + sortKey;
      if (this.endBefore !== undefined && compareUtf8(key, this.endBefore) >= 0) { this.#done = true; return; }
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        // Skip a folder whose every key is at or before `after`.
        if (this.after !== undefined && compareUtf8(this.after, key) >= 0 && !this.after.startsWith(key)) continue;
        if (this.delimiter) {
          if ((this.after === undefined || compareUtf8(key, this.after) > 0) && await containsFile(full)) this.#add({ key, folded: true });
        } else {
          await this.walk(full, key, '');
        }
      } else {
        if (this.after !== undefined && compareUtf8(key, this.after) <= 0) continue;
        this.#add({ key, file: full });
      }
    }
  }

  #add(found: Found): void {
    this.found.push(found);
    if (this.found.length >= this.want) this.#done = true;
  }
}

/** A directory's files and subdirectories ordered as their keys sort (`name` for files, `name/` for directories). */
async function readSorted(dir: string): Promise<Array<{ entry: Dirent; sortKey: string }>> {
  const stat = await fs.lstat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) return [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
  return entries
    .filter((e) => (e.isFile() && !TEMP_WRITE.test(e.name)) || e.isDirectory())
    .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
    .sort((a, b) => compareUtf8(a.sortKey, b.sortKey));
}

/** A folder is listed only when some regular file lies below it (as object stores have no empty folders). */
async function containsFile(dir: string): Promise<boolean> {
  for (const { entry } of await readSorted(dir)) {
    if (entry.isFile()) return true;
    if (entry.isDirectory() && await containsFile(path.join(dir, entry.name))) return true;
  }
  return false;
}
