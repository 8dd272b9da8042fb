/**
 * Reads from `reader` until more than `limit` bytes are buffered or the stream ends. Returns the
 * bytes read and whether the stream ended: small bodies become one request, large ones resumable.
 */
export async function readUpTo(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<{ chunks: Uint8Array[]; size: number; ended: boolean }> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size <= limit) {
    const { done, value } = await reader.read();
    if (done) return { chunks, size, ended: true };
    if (value.byteLength === 0) continue;
    chunks.push(value);
    size += value.byteLength;
  }
  return { chunks, size, ended: false };
}

export function concat(chunks: Uint8Array[], size: number): Buffer {
  return Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)), size);
}
