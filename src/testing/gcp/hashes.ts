import { createHash } from 'node:crypto';

/**
 * CRC32C (Castagnoli), reflected polynomial 0x82F63B78, one 256-entry table. GCS reports it in
 * `x-goog-hash` and @google-cloud/storage checks downloads against it, so the fake must be exact.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) of `data`, continuing from `previous`, as GCS checks uploads. */
export function crc32c(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** Base64 of the big-endian CRC32C, as GCS writes it. */
export function crc32cBase64(data: Uint8Array): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32c(data));
  return out.toString('base64');
}

/** MD5 of `data`, base64, as GCS reports `md5Hash`. */
export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}
