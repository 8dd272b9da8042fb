import type { ListPageObject, ListPageRequest } from '../driver.js';

/**
 * Turns Azure List Blobs pages into the driver's ListPage: the exclusive `startAfter` / `endBefore`
 * bounds applied (Azure's List Blobs has no start-after: `startFrom` needs service version
 * 2026-02-06, whose "relative path" semantics Azurite cannot check, so the bound is honoured by
 * reading pages from the start of the prefix and dropping what lies before it — a cost in pages
 * proportional to the keys skipped), keys outside the requested prefix dropped (defence against a
 * service or proxy that answers more than was asked), and UTF-8 byte order checked rather than
 * assumed.
 */

/** Compares two strings in UTF-8 byte order (code-point order) without encoding them. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return utf8Rank(x) - utf8Rank(y);
  }
  return a.length - b.length;
}

/** UTF-16 code units ranked as their code points sort: surrogates (astral) after U+E000–U+FFFF. */
function utf8Rank(unit: number): number {
  if (unit < 0xd800) return unit;
  if (unit >= 0xe000) return unit - 0x800;
  return unit + 0x2000;
}

export interface RawItem { name: string; size?: number; etag?: string; lastModified?: Date; contentType?: string }

export interface FilteredPage {
  objects: ListPageObject[];
  prefixes: string[];
  /** true when an entry at or beyond `endBefore` was seen: nothing after this page is wanted. */
  reachedEnd: boolean;
}

/** One service page, bounded and checked. */
export function filterPage(request: ListPageRequest, items: RawItem[], prefixes: string[]): FilteredPage {
  const { prefix, startAfter, endBefore } = request;
  let reachedEnd = false;
  const beyondEnd = (key: string): boolean => {
    if (endBefore === undefined || compareUtf8(key, endBefore) < 0) return false;
    reachedEnd = true;
    return true;
  };
  const objects: ListPageObject[] = [];
  for (const item of items) {
    if (!item.name.startsWith(prefix)) continue;
    if (startAfter !== undefined && compareUtf8(item.name, startAfter) <= 0) continue;
    if (beyondEnd(item.name)) continue;
    objects.push({
      key: item.name,
      size: item.size ?? 0,
      ...(item.etag !== undefined ? { etag: item.etag } : {}),
      ...(item.lastModified !== undefined ? { lastModified: item.lastModified } : {}),
      ...(item.contentType !== undefined ? { contentType: item.contentType } : {}),
    });
  }
  const kept: string[] = [];
  for (const p of prefixes) {
    if (!p.startsWith(prefix)) continue;
    // A common prefix is kept when keys after `startAfter` may lie under it.
    if (startAfter !== undefined && compareUtf8(p, startAfter) <= 0 && !startAfter.startsWith(p)) continue;
    if (beyondEnd(p)) continue;
    kept.push(p);
  }
  objects.sort((x, y) => compareUtf8(x.key, y.key));
  kept.sort(compareUtf8);
  return { objects, prefixes: kept, reachedEnd };
}
