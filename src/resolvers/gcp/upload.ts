import type { File } from '@google-cloud/storage';
import { ProviderError } from '../../errors.js';
import { concat, readUpTo } from './streams.js';
import type { DriverWriteOptions } from '../write-options.js';
import type { FetchLike } from '../../net/proxy-fetch.js';

/**
 * Writes: bodies below the threshold go up in one multipart request (`resumable: false`, CRC
 * checked by the SDK); larger ones, and streams that turn out larger, use a resumable session
 * whose chunks are sent here with the bearer token on every request (the SDK's own resumable
 * writer drops auth on custom endpoints). Streams are never buffered beyond one chunk.
 */

export const DEFAULT_RESUMABLE_THRESHOLD = 8 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** GCS requires every non-final chunk to be a multiple of 256 KiB. */
export const CHUNK_QUANTUM = 256 * 1024;

export interface UploadSettings {
  thresholdBytes: number;
  chunkBytes: number;
  token: () => Promise<string>;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (bytesSent: number) => void;
  /** `platform.proxy`'s fetch when it covers gcp (session chunks and cancel); default the global fetch. */
  fetch?: FetchLike;
}

/** The object resource fields a write sets (JSON API names). */
export function objectResourceOf(opts: DriverWriteOptions): Record<string, unknown> {
  return {
    ...(opts.contentType ? { contentType: opts.contentType } : {}),
    ...(opts.contentDisposition !== undefined ? { contentDisposition: opts.contentDisposition } : {}),
    ...(opts.cacheControl !== undefined ? { cacheControl: opts.cacheControl } : {}),
    ...(opts.metadata !== undefined ? { metadata: opts.metadata } : {}),
  };
}

/** An HTTP failure with the status where mapGcsError looks for it. */
class UploadHttpError extends Error {
  constructor(readonly code: number, message: string) { super(message); this.name = 'UploadHttpError'; }
}

export async function uploadObject(
  file: File,
  body: Uint8Array | ReadableStream<Uint8Array>,
  resource: Record<string, unknown>,
  settings: UploadSettings,
): Promise<void> {
  const contentType = typeof resource.contentType === 'string' ? resource.contentType : undefined;
  let head: Uint8Array[];
  let size: number;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (body instanceof Uint8Array) {
    head = [body];
    size = body.byteLength;
  } else {
    reader = body.getReader();
    const start = await readUpTo(reader, settings.thresholdBytes - 1);
    head = start.chunks;
    size = start.size;
    if (start.ended) reader = undefined;
  }

  // With a signal, even small bodies go through a resumable session: a single-request upload cannot
  // be taken back once sent, a session can be cancelled (nothing is stored until its last chunk).
  if (!reader && size < settings.thresholdBytes && !settings.signal) {
    await file.save(concat(head, size), { resumable: false, ...(contentType ? { contentType } : {}), metadata: resource });
    settings.onProgress?.(size);
    return;
  }
  try {
    settings.signal?.throwIfAborted();
    const [uri] = await file.createResumableUpload({ metadata: resource });
    try {
      await sendChunks(uri, head, reader, settings);
    } catch (error) {
      if (settings.signal?.aborted) await cancelSession(uri, settings);
      throw error;
    }
  } finally {
    reader?.releaseLock();
  }
}

async function sendChunks(
  uri: string,
  head: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array> | undefined,
  settings: UploadSettings,
): Promise<void> {
  const chunkBytes = Math.max(CHUNK_QUANTUM, Math.floor(settings.chunkBytes / CHUNK_QUANTUM) * CHUNK_QUANTUM);
  let pending = concat(head, head.reduce((n, c) => n + c.byteLength, 0));
  let ended = reader === undefined;
  let offset = 0;
  for (;;) {
    // Hold one byte more than a chunk so the last chunk is known to be last (it carries the total).
    // Pieces are gathered and joined once per chunk: appending one at a time would copy quadratically.
    if (!ended && pending.length <= chunkBytes) {
      const pieces: Uint8Array[] = [pending];
      let size = pending.length;
      while (!ended && size <= chunkBytes) {
        const { done, value } = await reader!.read();
        if (done) ended = true;
        else { pieces.push(value); size += value.byteLength; }
      }
      pending = concat(pieces, size);
    }
    const final = ended && pending.length <= chunkBytes;
    const piece = final ? pending : pending.subarray(0, chunkBytes);
    const total = final ? String(offset + piece.length) : '*';
    const range = piece.length > 0 ? `bytes ${offset}-${offset + piece.length - 1}/${total}` : `bytes */${total}`;
    const response = await (settings.fetch ?? fetch)(uri, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await settings.token()}`, 'content-range': range, 'content-length': String(piece.length) },
      // Node's Buffer is a Uint8Array; the DOM typings only want to be told its buffer is not shared.
      body: piece as Uint8Array<ArrayBuffer>,
      signal: settings.signal ? AbortSignal.any([settings.signal, AbortSignal.timeout(settings.timeoutMs)]) : AbortSignal.timeout(settings.timeoutMs),
    });
    const text = await response.text();
    if (final) {
      if (response.status === 200 || response.status === 201) return;
      throw new UploadHttpError(response.status, uploadMessage(text, response.status));
    }
    if (response.status !== 308) throw new UploadHttpError(response.status, uploadMessage(text, response.status));
    const persisted = /bytes=0-(\d+)/.exec(response.headers.get('range') ?? '');
    if (!persisted || Number(persisted[1]) !== offset + piece.length - 1) {
      throw new ProviderError('resumable upload: Cloud Storage persisted fewer bytes than were sent', { retryable: true });
    }
    offset += piece.length;
    settings.onProgress?.(offset);
    pending = pending.subarray(piece.length);
    settings.signal?.throwIfAborted();
  }
}

/** DELETE of the session URI: GCS cancels the upload (499) and stores nothing. Best effort. */
async function cancelSession(uri: string, settings: UploadSettings): Promise<void> {
  try {
    const response = await (settings.fetch ?? fetch)(uri, { method: 'DELETE', headers: { authorization: `Bearer ${await settings.token()}`, 'content-length': '0' }, signal: AbortSignal.timeout(settings.timeoutMs) });
    await response.arrayBuffer();
  } catch {
    // The session expires on its own after a week; nothing was stored.
  }
}

function uploadMessage(text: string, status: number): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } };
    if (parsed.error?.message) return parsed.error.message;
  } catch { /* not JSON */ }
  return `resumable upload chunk failed with HTTP ${status}`;
}
