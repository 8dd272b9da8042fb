import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A transparent HTTP (or HTTPS-terminating) forwarder in front of a fake: another origin for the
 * same server (a store's `publicUrl`, a TLS front with a private CA), recording each request's
 * headers. The Host header is passed on unchanged, so the fake verifies SigV4 for the host the
 * client actually used — a URL signed for another host fails there, as it would on a real store.
 */
export interface ForwardingProxy {
  url: string;
  /** Method, path and lower-cased headers of every request, in arrival order. */
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders }>;
  close(): Promise<void>;
}

export async function startForwardingProxy(target: string, tls?: { cert: string; key: string }): Promise<ForwardingProxy> {
  const to = new URL(target);
  const requests: ForwardingProxy['requests'] = [];
  const handler: http.RequestListener = (req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '/', headers: { ...req.headers } });
    const upstream = http.request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => { res.destroy(); });
    req.pipe(upstream);
  };
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
