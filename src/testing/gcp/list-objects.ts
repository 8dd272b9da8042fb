import { compareUtf8, lowerBound } from '../../resolvers/key-order.js';
import { SortedKeyMap } from '../../resolvers/sorted-key-map.js';
import { objectResource, type StoredObject } from './object-store.js';

/**
 * objects.list as Cloud Storage answers it, for the fake GCS:
 * - names in UTF-8 byte order, filtered by `prefix`, `startOffset` (inclusive) and `endOffset`
 *   (exclusive);
 * - `delimiter` folds names that contain it after the prefix into `prefixes` (each once), and
 *   `includeTrailingDelimiter` also returns objects whose name ends at that delimiter;
 * - `maxResults` (default and maximum 1000) counts items and prefixes together; `nextPageToken`
 *   continues after the last one, valid only with the same prefix, delimiter and offsets;
 * - `fields` (a partial response, e.g. `items(name,size),nextPageToken`) keeps only what it names;
 * - a page costs a binary search into the bucket's sorted index plus the page, so listing a
 *   bucket of a million objects page by page stays linear.
 * Parameters the fake does not implement (`matchGlob`, `versions=true`, `softDeleted`) are
 * refused with 400 rather than ignored: ignoring one would return more than GCS does.
 */

export interface ListResponse { status: number; body: Record<string, unknown> }

const MAX_RESULTS = 1000;

export function listObjects(objects: Map<string, StoredObject>, url: URL, baseUrl: string): ListResponse {
  const q = url.searchParams;
  for (const unsupported of ['matchGlob', 'softDeleted']) {
    if (q.has(unsupported)) return invalid(`the fake GCS does not implement ${unsupported}`);
  }
  if (q.get('versions') === 'true') return invalid('the fake GCS does not implement versions=true listings');
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const startOffset = q.get('startOffset') ?? '';
  const endOffset = q.get('endOffset') ?? '';
  const includeTrailingDelimiter = q.get('includeTrailingDelimiter') === 'true';
  let max = MAX_RESULTS;
  const rawMax = q.get('maxResults');
  if (rawMax !== null) {
    if (!/^\d+$/.test(rawMax) || Number(rawMax) < 1) return invalid(`Invalid value for maxResults: ${rawMax}`);
    max = Math.min(Number(rawMax), MAX_RESULTS);
  }
  const context = JSON.stringify([prefix, delimiter, startOffset, endOffset, includeTrailingDelimiter]);
  const keys = sortedNames(objects);

  let i: number;
  const token = q.get('pageToken');
  if (token) {
    const decoded = decodeToken(token);
    if (!decoded || decoded.c !== context) return invalid('Invalid pageToken: it belongs to a listing with other parameters');
    i = lowerBound(keys, decoded.n, true);
  } else {
    const from = startOffset !== '' && compareUtf8(startOffset, prefix) > 0 ? startOffset : prefix;
    i = lowerBound(keys, from, true);
  }

  const items: Record<string, unknown>[] = [];
  const prefixes: string[] = [];
  let count = 0;
  let nextName: string | undefined;
  while (i < keys.length) {
    const name = keys[i]!;
    if (!name.startsWith(prefix) || (endOffset !== '' && compareUtf8(name, endOffset) >= 0)) break;
    if (count >= max) { nextName = name; break; }
    const fold = delimiter === '' ? -1 : name.indexOf(delimiter, prefix.length);
    if (fold >= 0) {
      const folded = name.slice(0, fold + delimiter.length);
      prefixes.push(folded);
      count++;
      if (includeTrailingDelimiter && name === folded) items.push(objectResource(objects.get(name)!, baseUrl));
      // Skip every other name under the folded prefix (they would repeat it).
      i = lowerBound(keys, skipPast(folded), true);
      continue;
    }
    items.push(objectResource(objects.get(name)!, baseUrl));
    count++;
    i++;
  }
  const body: Record<string, unknown> = { kind: 'storage#objects' };
  if (items.length > 0) body.items = items;
  if (prefixes.length > 0) body.prefixes = prefixes;
  if (nextName !== undefined) body.nextPageToken = encodeToken({ n: nextName, c: context });
  const fields = q.get('fields');
  if (fields === null) return { status: 200, body };
  const selection = parseFields(fields);
  if (!selection) return invalid(`the fake GCS implements fields only as a list of names with one level of (…): got ${fields}`);
  return { status: 200, body: select(body, selection) };
}

type Selection = Map<string, Selection | true>;

/** `items(name,size),prefixes,nextPageToken` → { items: { name, size }, prefixes, nextPageToken }; deeper nesting is not supported. */
function parseFields(text: string): Selection | undefined {
  const out: Selection = new Map();
  const pattern = /\s*([A-Za-z][\w]*)(?:\(([^()]*)\))?\s*(?:,|$)/y;
  let index = 0;
  while (index < text.length) {
    pattern.lastIndex = index;
    const m = pattern.exec(text);
    if (!m || m[0] === '') return undefined;
    if (m[2] === undefined) out.set(m[1]!, true);
    else out.set(m[1]!, new Map(m[2].split(',').map((f) => [f.trim(), true] as [string, true]).filter(([f]) => /^[A-Za-z]\w*$/.test(f))));
    index = pattern.lastIndex;
  }
  return out;
}

function select(body: Record<string, unknown>, selection: Selection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, sub] of selection) {
    const value = body[name];
    if (value === undefined) continue;
    out[name] = sub === true ? value : Array.isArray(value)
      ? value.map((item: Record<string, unknown>) => Object.fromEntries([...sub.keys()].filter((k) => k in item).map((k) => [k, item[k]])))
      : value;
  }
  return out;
}

/** A string after every name that starts with `folded` (so one binary search skips the whole folder). */
function skipPast(folded: string): string {
  const last = folded.charCodeAt(folded.length - 1);
  // Bumping the last code unit is exact; for a surrogate (a non-BMP delimiter) bump the whole pair's lead.
  if (last < 0xd800) return folded.slice(0, -1) + String.fromCharCode(last + 1);
  return `${folded}\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}`;
}

function sortedNames(objects: Map<string, StoredObject>): readonly string[] {
  if (objects instanceof SortedKeyMap) return (objects as SortedKeyMap<StoredObject>).sortedKeys();
  // A plain Map (a bucket made elsewhere): sort per request.
  return [...objects.keys()].sort(compareUtf8);
}

function encodeToken(token: { n: string; c: string }): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeToken(token: string): { n: string; c: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { n?: unknown; c?: unknown };
    return typeof value.n === 'string' && typeof value.c === 'string' ? { n: value.n, c: value.c } : undefined;
  } catch {
    return undefined;
  }
}

function invalid(message: string): ListResponse {
  return { status: 400, body: { error: { code: 400, message, status: 'INVALID_ARGUMENT', errors: [{ message, domain: 'global', reason: 'invalid' }] } } };
}
