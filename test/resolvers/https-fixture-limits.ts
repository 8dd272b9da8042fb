import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';

const MiB = 1024 * 1024;
/** 48 MiB of zeros, gzip-compressed once (a few hundred KiB on the wire): a decompression bomb for a 32 MiB limit. */
let bomb: Buffer | undefined;
const gzipBomb = (): Buffer => (bomb ??= zlib.gzipSync(Buffer.alloc(48 * MiB), { level: 1 }));
let brotliBomb: Buffer | undefined;
const brBomb = (): Buffer => (brotliBomb ??= zlib.brotliCompressSync(Buffer.alloc(48 * MiB), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } }));

/**
 * Hostile routes for the body-size and deadline limits (issue 13 item 8):
 * - `/huge/N`          N MiB of bytes, with Content-Length (refused before reading when over the limit);
 * - `/huge-chunked/N`  N MiB of bytes, chunked: no Content-Length, so only counting can refuse it;
 * - `/gzip-bomb`, `/br-bomb`, `/gzip-twice`  small on the wire, 48 MiB decoded, `Content-Encoding` set
 *                      although the client asked for identity;
 * - `/gzip-small`      a well-formed gzip body of 'hello gzip' (decoded for the caller);
 * - `/trickle/N`       N bytes, one every 150 ms: never silent long enough for an idle timeout;
 * - `/trickle-range`   like /trickle/40 but answering a Range request with 206;
 * - `/redirect-slow/N` N redirects, each answered after 300 ms, ending at /a/hello.txt.
 */
export function extraRoutes(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  const path = url.pathname;
  const huge = /^\/huge(-chunked)?\/(\d+)$/.exec(path);
  if (huge) {
    const total = Number(huge[2]) * MiB;
    res.writeHead(200, huge[1] ? { 'content-type': 'application/octet-stream' } : { 'content-length': String(total) });
    if (req.method === 'HEAD') { res.end(); return true; }
    let sent = 0;
    const chunk = Buffer.alloc(256 * 1024, 1);
    const pump = (): void => {
      while (sent < total) {
        sent += chunk.byteLength;
        if (!res.write(chunk)) { res.once('drain', pump); return; }
      }
      res.end();
    };
    res.on('error', () => undefined);
    pump();
    return true;
  }
  if (path === '/gzip-bomb' || path === '/gzip-twice' || path === '/br-bomb') {
    const body = path === '/br-bomb' ? brBomb() : path === '/gzip-twice' ? zlib.gzipSync(gzipBomb()) : gzipBomb();
    const encoding = path === '/br-bomb' ? 'br' : path === '/gzip-twice' ? 'gzip, gzip' : 'gzip';
    res.writeHead(200, { 'content-encoding': encoding, 'content-length': String(body.byteLength) });
    res.on('error', () => undefined);
    res.end(body);
    return true;
  }
  if (path === '/gzip-small') {
    const body = zlib.gzipSync(Buffer.from('hello gzip'));
    res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String(body.byteLength) });
    res.end(body);
    return true;
  }
  if (path === '/zstd') {
    res.writeHead(200, { 'content-encoding': 'zstd' });
    res.end('not really zstd');
    return true;
  }
  const trickle = /^\/trickle\/(\d+)$/.exec(path) ?? (path === '/trickle-range' ? ['', '40'] : null);
  if (trickle) {
    const total = Number(trickle[1]);
    const ranged = path === '/trickle-range' && /^bytes=\d+-\d*$/.test(req.headers.range ?? '');
    res.writeHead(ranged ? 206 : 200, {
      'content-length': String(total),
      ...(ranged ? { 'content-range': `bytes 0-${total - 1}/${total * 2}` } : {}),
    });
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= total) { clearInterval(timer); res.end(); return; }
      res.write('x');
      sent += 1;
    }, 150);
    res.on('close', () => clearInterval(timer));
    return true;
  }
  const slowRedirect = /^\/redirect-slow\/(\d+)$/.exec(path);
  if (slowRedirect) {
    const left = Number(slowRedirect[1]);
    setTimeout(() => {
      if (left <= 1) res.writeHead(302, { location: '/a/hello.txt' }).end();
      else res.writeHead(302, { location: `/redirect-slow/${left - 1}` }).end();
    }, 300);
    return true;
  }
  return false;
}
