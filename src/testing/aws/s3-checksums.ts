import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { S3Error } from './s3-errors.js';

/**
 * The checksums S3 verifies on uploads (`x-amz-checksum-*` in a header, a presigned query or an
 * aws-chunked trailer, and `Content-MD5`), and stores to return on `x-amz-checksum-mode: ENABLED`.
 */

export type ChecksumAlgorithm = 'CRC32' | 'CRC32C' | 'CRC64NVME' | 'SHA1' | 'SHA256';
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'];
const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, CRC64NVME: 8, SHA1: 20, SHA256: 32 };

export const checksumHeader = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`;

export function parseChecksumAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  const upper = value?.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === upper);
}

function crcTable32(poly: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

let crc32Table: Uint32Array | undefined;
let crc32cTable: Uint32Array | undefined;

function crc32With(table: Uint32Array, data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function crc32(data: Uint8Array): number {
  const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  crc32Table ??= crcTable32(0xedb88320);
  return crc32With(crc32Table, data);
}

let crc64Tables: { hi: Uint32Array; lo: Uint32Array } | undefined;

/** CRC-64/NVME (reflected polynomial 0x9a6c9329ac4bc9b5), computed on 32-bit halves. */
function crc64nvme(data: Uint8Array): Buffer {
  if (!crc64Tables) {
    const hi = new Uint32Array(256);
    const lo = new Uint32Array(256);
    const polyHi = 0x9a6c9329;
    const polyLo = 0xac4bc9b5;
    for (let n = 0; n < 256; n++) {
      let h = 0;
      let l = n;
      for (let k = 0; k < 8; k++) {
        const bit = l & 1;
        l = ((l >>> 1) | ((h & 1) << 31)) >>> 0;
        h >>>= 1;
        if (bit) { h = (h ^ polyHi) >>> 0; l = (l ^ polyLo) >>> 0; }
      }
      hi[n] = h;
      lo[n] = l;
    }
    crc64Tables = { hi, lo };
  }
  const { hi, lo } = crc64Tables;
  let h = 0xffffffff;
  let l = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    const index = (l ^ data[i]!) & 0xff;
    l = (((l >>> 8) | (h << 24)) ^ lo[index]!) >>> 0;
    h = ((h >>> 8) ^ hi[index]!) >>> 0;
  }
  const out = Buffer.alloc(8);
  out.writeUInt32BE((h ^ 0xffffffff) >>> 0, 0);
  out.writeUInt32BE((l ^ 0xffffffff) >>> 0, 4);
  return out;
}

/** The raw digest of `data`. */
export function computeChecksum(algorithm: ChecksumAlgorithm, data: Uint8Array): Buffer {
  switch (algorithm) {
    case 'CRC32': { const out = Buffer.alloc(4); out.writeUInt32BE(crc32(data)); return out; }
    case 'CRC32C': { crc32cTable ??= crcTable32(0x82f63b78); const out = Buffer.alloc(4); out.writeUInt32BE(crc32With(crc32cTable, data)); return out; }
    case 'CRC64NVME': return crc64nvme(data);
    case 'SHA1': return createHash('sha1').update(data).digest();
    case 'SHA256': return createHash('sha256').update(data).digest();
  }
}

export const checksumBase64 = (algorithm: ChecksumAlgorithm, data: Uint8Array): string => computeChecksum(algorithm, data).toString('base64');

export interface ProvidedChecksum { algorithm: ChecksumAlgorithm; value: string }

/**
 * Verifies the checksums a request carries against its body: at most one `x-amz-checksum-*`
 * (S3 refuses several), `x-amz-sdk-checksum-algorithm` only with its checksum, and `Content-MD5`.
 * Returns the verified flexible checksum, if any.
 */
export function verifyRequestChecksums(amz: (name: string) => string | undefined, contentMd5: string | undefined, body: Uint8Array, trailerDeclared: boolean): ProvidedChecksum | undefined {
  if (contentMd5 !== undefined) {
    const given = Buffer.from(contentMd5, 'base64');
    if (given.length !== 16 || given.toString('base64') !== contentMd5.trim()) throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
    if (!given.equals(createHash('md5').update(body).digest())) throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const provided: ProvidedChecksum[] = [];
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = amz(checksumHeader(algorithm));
    if (value !== undefined) provided.push({ algorithm, value });
  }
  if (provided.length > 1) throw new S3Error(400, 'InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  const sdkAlgorithm = amz('x-amz-sdk-checksum-algorithm');
  const [checksum] = provided;
  if (sdkAlgorithm !== undefined) {
    const algorithm = parseChecksumAlgorithm(sdkAlgorithm);
    if (!algorithm) throw new S3Error(400, 'InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid.`);
    if (!checksum && !trailerDeclared) throw new S3Error(400, 'InvalidRequest', 'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.');
    if (checksum && checksum.algorithm !== algorithm) throw new S3Error(400, 'InvalidRequest', `Value for x-amz-sdk-checksum-algorithm header is invalid.`);
  }
  if (!checksum) return undefined;
  const decoded = Buffer.from(checksum.value, 'base64');
  if (decoded.length !== DIGEST_BYTES[checksum.algorithm] || decoded.toString('base64') !== checksum.value) {
    throw new S3Error(400, 'InvalidRequest', `Value for ${checksumHeader(checksum.algorithm)} header is invalid.`);
  }
  if (checksumBase64(checksum.algorithm, body) !== checksum.value) {
    throw new S3Error(400, 'BadDigest', `The ${checksum.algorithm} you specified did not match the calculated checksum.`);
  }
  return checksum;
}
