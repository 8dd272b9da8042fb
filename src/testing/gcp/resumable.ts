/**
 * The resumable-upload protocol of Cloud Storage, as a browser meets it on a session URI:
 * - the session URI is the credential: chunks need no Authorization (one that is sent must be the
 *   initiator's, else 403 — GCS ignores it, this fake is stricter there);
 * - `PUT` with `Content-Range: bytes START-END/TOTAL|*`: a chunk must continue where the persisted
 *   bytes end (bytes it repeats are skipped, a gap is refused); every chunk but the last must be a
 *   multiple of 256 KiB; the answer is `308 Resume Incomplete` with `Range: bytes=0-N` (no Range
 *   before the first byte), or 200 with the object once TOTAL bytes arrived;
 * - `PUT` with an empty body and `Content-Range: bytes *\/TOTAL|*`: a status query (308, or 200
 *   with the object when the upload already finished);
 * - the total announced at the start (`X-Upload-Content-Length`) binds: a chunk naming another
 *   total, or bytes past it, is refused;
 * - `DELETE`: cancels (499); the session is then gone (404), as it is a week after it started;
 * - CORS: only the `Origin` the session was started with gets `Access-Control-Allow-Origin`.
 */

export const CHUNK_QUANTUM = 256 * 1024;
export const SESSION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export interface ResumableSessionState {
  bucket: string;
  name: string;
  contentType?: string;
  principal: string;
  chunks: Buffer[];
  received: number;
  /** Size announced when the session started (X-Upload-Content-Length), if any. */
  declaredSize?: number;
  origin?: string;
  startedAt: number;
  /** Set once the object was stored: later status queries answer with it. */
  finished?: { generation: string };
}

export type ChunkOutcome =
  | { kind: 'incomplete'; received: number }
  | { kind: 'complete'; data: Buffer }
  | { kind: 'finished' }
  | { kind: 'error'; status: number; message: string };

/** Applies one PUT to a session (not yet finished). */
export function applyChunk(session: ResumableSessionState, contentRange: string | undefined, body: Buffer): ChunkOutcome {
  const range = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+|\*)$/.exec(contentRange ?? (body.length === 0 ? 'bytes */*' : ''));
  if (!range) return { kind: 'error', status: 400, message: 'Failed to parse Content-Range header.' };
  const total = range[3] === '*' ? undefined : Number(range[3]);
  if (total !== undefined && session.declaredSize !== undefined && total !== session.declaredSize) {
    return { kind: 'error', status: 400, message: `The total ${total} does not match the upload's declared size ${session.declaredSize}.` };
  }
  if (range[1] !== undefined) {
    const start = Number(range[1]);
    const end = Number(range[2]);
    if (end < start || end - start + 1 !== body.length) return { kind: 'error', status: 400, message: `Content-Range ${start}-${end} does not match the ${body.length} bytes sent.` };
    const limit = total ?? session.declaredSize;
    if (limit !== undefined && end >= limit) return { kind: 'error', status: 400, message: `bytes ${start}-${end} are past the end of the ${limit}-byte upload.` };
    if (start > session.received) return { kind: 'error', status: 400, message: `Invalid request. There were ${session.received} byte(s) persisted; the chunk starts at ${start}.` };
    const last = total !== undefined && end + 1 === total;
    if (!last && (end + 1) % CHUNK_QUANTUM !== 0) {
      return { kind: 'error', status: 400, message: 'Invalid request. The chunk is not the last one and does not end at a multiple of 262144 bytes.' };
    }
    const fresh = body.subarray(session.received - start);
    if (fresh.length > 0) {
      session.chunks.push(Buffer.from(fresh));
      session.received += fresh.length;
    }
  }
  if (total !== undefined && session.received === total) return { kind: 'complete', data: Buffer.concat(session.chunks) };
  return { kind: 'incomplete', received: session.received };
}

/** CORS headers of a session response for the request's Origin. */
export function sessionCors(session: ResumableSessionState, origin: string | undefined): Record<string, string> {
  if (origin === undefined || session.origin === undefined || origin !== session.origin) return {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Range, ETag, X-GUploader-UploadID', vary: 'Origin' };
}
