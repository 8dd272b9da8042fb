import type { Bucket } from '@google-cloud/storage';
import type { ListPage, ListPageObject, ListPageRequest } from '../driver.js';

/**
 * One objects.list page through the storage client's authenticated request (with its retries),
 * reading the JSON resource directly: no File object per item, only the fields a listing needs.
 * `startOffset` is inclusive in GCS, so an entry equal to `startAfter` is dropped here; `endOffset`
 * is exclusive like `endBefore` (sent only when it has no control characters, which GCS object
 * names cannot hold anyway — split ranges end in U+0000; the caller stops there itself).
 */

const FIELDS = 'items(name,size,etag,updated,contentType),prefixes,nextPageToken';
const CONTROL = /[\u0000-\u001f\u007f]/;

interface ObjectsListResponse {
  items?: Array<{ name?: string; size?: string | number; etag?: string; updated?: string; contentType?: string }>;
  prefixes?: string[];
  nextPageToken?: string;
}

/**
 * GCS wants every page of a listing asked with the same parameters as the first, so the page
 * token handed back wraps GCS's own with the offsets of the first request.
 */
interface PageToken { t: string; s?: string; e?: string }

export function listQuery(request: ListPageRequest): { query: Record<string, string | number>; startAfter?: string } {
  const token = request.pageToken !== undefined ? decodeToken(request.pageToken) : undefined;
  const startAfter = token ? token.s : request.startAfter;
  const endBefore = token ? token.e : request.endBefore !== undefined && !CONTROL.test(request.endBefore) ? request.endBefore : undefined;
  return {
    query: {
      ...(request.prefix !== '' ? { prefix: request.prefix } : {}),
      ...(request.delimiter ? { delimiter: '/' } : {}),
      maxResults: request.pageSize,
      ...(token ? { pageToken: token.t } : {}),
      ...(startAfter !== undefined ? { startOffset: startAfter } : {}),
      ...(endBefore !== undefined ? { endOffset: endBefore } : {}),
      fields: FIELDS,
    },
    ...(startAfter !== undefined ? { startAfter } : {}),
  };
}

export function fetchListPage(bucket: Bucket, request: ListPageRequest): Promise<ListPage> {
  const { query, startAfter } = listQuery(request);
  return new Promise<ListPage>((resolve, reject) => {
    bucket.request({ uri: '/o', qs: query }, (error: Error | null, body?: unknown) => {
      if (error) { reject(error); return; }
      const page = pageFrom((body ?? {}) as ObjectsListResponse, startAfter);
      if (page.nextPageToken !== undefined) {
        page.nextPageToken = encodeToken({
          t: page.nextPageToken,
          ...(query.startOffset !== undefined ? { s: String(query.startOffset) } : {}),
          ...(query.endOffset !== undefined ? { e: String(query.endOffset) } : {}),
        });
      }
      resolve(page);
    });
  });
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

function decodeToken(text: string): PageToken {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageToken>;
    if (typeof value.t === 'string') return { t: value.t, ...(typeof value.s === 'string' ? { s: value.s } : {}), ...(typeof value.e === 'string' ? { e: value.e } : {}) };
  } catch { /* not one of ours */ }
  return { t: text };
}

function pageFrom(body: ObjectsListResponse, startAfter: string | undefined): ListPage {
  const objects: ListPageObject[] = [];
  for (const item of body.items ?? []) {
    if (typeof item.name !== 'string' || item.name === startAfter) continue;
    const object: ListPageObject = { key: item.name, size: Number(item.size ?? 0) };
    if (item.etag !== undefined) object.etag = item.etag;
    if (item.updated !== undefined) object.lastModified = new Date(item.updated);
    if (item.contentType !== undefined) object.contentType = item.contentType;
    objects.push(object);
  }
  const prefixes = (body.prefixes ?? []).filter((p) => p !== startAfter);
  return { objects, prefixes, ...(body.nextPageToken ? { nextPageToken: body.nextPageToken } : {}) };
}
