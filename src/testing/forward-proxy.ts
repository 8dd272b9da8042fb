import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One request the forward proxy received. */
export interface ForwardProxyRequest {
  /** `CONNECT` for tunnels (https targets); the method of a plain forwarded request otherwise. */
  method: string;
  /** `host:port` for CONNECT, the absolute URL for a forwarded request. */
  target: string;
  /** Whether Proxy-Authorization was sent (its value is never recorded). */
  authorized: boolean;
  /** What the proxy answered: 200 (tunnel open), 403 (refused by `allow`), 502 (target unreachable), … */
  status: number;
}

/** Options of `ForwardProxy.start`. */
export interface ForwardProxyOptions {
  /** Names the proxy resolves itself (name → IP), like a proxy's own DNS; tests use names the machine cannot resolve. */
  hosts?: Record<string, string>;
  /** Refuse tunnels to targets this returns false for (403). */
  allow?: (host: string, port: number) => boolean;
  /** Require `Proxy-Authorization: Basic base64(user:pass)`. */
  credentials?: { username: string; password: string };
}

/**
 * A loopback HTTP forward proxy (CONNECT tunnels and absolute-URI requests) that records every
 * request, for tests of `platform.proxy`: with the proxy set, every provider, token-service and
 * https-asset connection must show up here, and nothing may reach it for a refused target.
 */
export class ForwardProxy {
  readonly requests: ForwardProxyRequest[] = [];
  readonly #server: http.Server;
  readonly #options: ForwardProxyOptions;
  readonly #sockets = new Set<net.Socket>();
  #port = 0;

  private constructor(options: ForwardProxyOptions) {
    this.#options = options;
    this.#server = http.createServer((req, res) => this.#forward(req, res));
    this.#server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.#connect(req, socket, head));
    this.#server.on('connection', (socket: net.Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  /** Starts the proxy on a loopback port. */
  static async start(options: ForwardProxyOptions = {}): Promise<ForwardProxy> {
    const proxy = new ForwardProxy(options);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.#port = (proxy.#server.address() as AddressInfo).port;
    return proxy;
  }

  /** `http://127.0.0.1:PORT` (with credentials when the proxy requires them). */
  get url(): string {
    const c = this.#options.credentials;
    return `http://${c ? `${encodeURIComponent(c.username)}:${encodeURIComponent(c.password)}@` : ''}127.0.0.1:${this.#port}`;
  }

  /** CONNECT targets, in order. */
  get tunnels(): string[] { return this.requests.filter((r) => r.method === 'CONNECT').map((r) => r.target); }

  /** Stops the proxy and cuts open tunnels. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #authorized(req: http.IncomingMessage): boolean {
    const c = this.#options.credentials;
    if (!c) return true;
    return req.headers['proxy-authorization'] === `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }

  #connect(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const target = req.url ?? '';
    const record: ForwardProxyRequest = { method: 'CONNECT', target, authorized: req.headers['proxy-authorization'] !== undefined, status: 200 };
    this.requests.push(record);
    const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
    const answer = (status: number, text: string): void => {
      record.status = status;
      socket.end(`HTTP/1.1 ${status} ${text}\r\n\r\n`);
    };
    if (!this.#authorized(req)) { answer(407, 'Proxy Authentication Required'); return; }
    if (!match) { answer(400, 'Bad Request'); return; }
    const host = match[1]!;
    const port = Number(match[2]);
    if (this.#options.allow && !this.#options.allow(host, port)) { answer(403, 'Forbidden'); return; }
    const upstream = net.connect({ host: this.#options.hosts?.[host] ?? host, port });
    upstream.once('connect', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.once('error', () => { if (!socket.destroyed) answer(502, 'Bad Gateway'); });
    socket.once('error', () => upstream.destroy());
    socket.once('close', () => upstream.destroy());
  }

  #forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const record: ForwardProxyRequest = { method: req.method ?? '', target: req.url ?? '', authorized: req.headers['proxy-authorization'] !== undefined, status: 0 };
    this.requests.push(record);
    if (!this.#authorized(req)) { record.status = 407; res.writeHead(407).end(); return; }
    let url: URL;
    try { url = new URL(req.url ?? ''); } catch { record.status = 400; res.writeHead(400).end(); return; }
    if (url.protocol !== 'http:') { record.status = 400; res.writeHead(400).end(); return; }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: this.#options.hosts?.[url.hostname] ?? url.hostname, port: Number(url.port || 80), method: req.method, path: `${url.pathname}${url.search}`, headers }, (response) => {
      record.status = response.statusCode ?? 0;
      res.writeHead(response.statusCode ?? 502, response.headers);
      response.pipe(res);
    });
    upstream.once('error', () => { record.status = 502; if (!res.headersSent) res.writeHead(502).end(); });
    req.pipe(upstream);
  }
}
