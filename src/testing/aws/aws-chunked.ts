import { chunkSignature, trailerSignature } from './sigv4-verify.js';

/**
 * Decoder for `Content-Encoding: aws-chunked` bodies, which the AWS SDK sends for streaming uploads.
 * Chunk (and trailer) signatures are verified when the payload is signed.
 */

export interface ChunkSigning {
  signingKey: Buffer;
  amzDate: string;
  scope: string;
  /** The request's own signature, which seeds the chain of chunk signatures. */
  seedSignature: string;
  /** The body also ends with a signed trailer. */
  trailer: boolean;
}

export interface DecodedChunks { body: Buffer; trailers: Record<string, string> }

export class ChunkedBodyError extends Error {
  override name = 'ChunkedBodyError';
}

const CRLF = Buffer.from('\r\n');

export function decodeAwsChunked(raw: Buffer, signing?: ChunkSigning): DecodedChunks {
  const parts: Buffer[] = [];
  let offset = 0;
  let previous = signing?.seedSignature ?? '';
  for (;;) {
    const lineEnd = raw.indexOf(CRLF, offset);
    if (lineEnd < 0) throw new ChunkedBodyError('truncated chunk header');
    const header = raw.subarray(offset, lineEnd).toString('latin1');
    const [sizeHex, ...extensions] = header.split(';');
    const size = Number.parseInt(sizeHex ?? '', 16);
    if (!Number.isFinite(size) || size < 0) throw new ChunkedBodyError('bad chunk size');
    const dataStart = lineEnd + 2;
    const data = raw.subarray(dataStart, dataStart + size);
    if (data.length !== size) throw new ChunkedBodyError('truncated chunk');
    if (signing) {
      const given = extensions.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length);
      const expected = chunkSignature(signing.signingKey, signing.amzDate, signing.scope, previous, data);
      if (given !== expected) throw new ChunkedBodyError('chunk signature does not match');
      previous = expected;
    }
    if (size === 0) { offset = dataStart; break; }
    parts.push(data);
    if (!raw.subarray(dataStart + size, dataStart + size + 2).equals(CRLF)) throw new ChunkedBodyError('chunk not terminated by CRLF');
    offset = dataStart + size + 2;
  }
  // Trailer section: header lines until an empty line (a body without trailers ends with one CRLF).
  const trailers: Record<string, string> = {};
  let trailerText = '';
  let trailerSignatureGiven: string | undefined;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf(CRLF, offset);
    const line = raw.subarray(offset, lineEnd < 0 ? raw.length : lineEnd).toString('latin1');
    offset = lineEnd < 0 ? raw.length : lineEnd + 2;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new ChunkedBodyError('bad trailer line');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') { trailerSignatureGiven = value; continue; }
    trailers[name] = value;
    trailerText += `${name}:${value}\n`;
  }
  if (signing?.trailer) {
    const expected = trailerSignature(signing.signingKey, signing.amzDate, signing.scope, previous, trailerText);
    if (trailerSignatureGiven !== expected) throw new ChunkedBodyError('trailer signature does not match');
  }
  return { body: Buffer.concat(parts), trailers };
}
