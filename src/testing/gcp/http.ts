import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Plumbing shared by the fake Google servers: loopback listener, bodies, Google-shaped errors, faults. */

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> | void;

/** A fault the next matching requests answer with instead of being served. */
export interface InjectedFault {
  /** HTTP status to answer with (e.g. 429, 500, 503). Omit to only delay. */
  status?: number;
  /** Delay before answering (or before serving, when no status), ms. */
  delayMs?: number;
  /** How many requests it applies to. Default 1. */
  times?: number;
  /** Only requests whose path contains this text. */
  pathIncludes?: string;
  /** Cut the connection without answering (TCP reset), after any delay. */
  reset?: boolean;
  /**
   * Serve the request, but cut the connection halfway through the response body: the headers
   * (with the full Content-Length) and part of the bytes arrive, the rest never does.
   */
  truncate?: boolean;
  /** Like `truncate`, but the connection stays open and silent after half of the body. */
  stall?: boolean;
}

/** Decides, per request, whether it gets a fault (consulted when no queued fault matches). `times` is ignored. */
export type FaultPolicy = (req: IncomingMessage, url: URL) => InjectedFault | undefined;

export class FakeHttpServer {
  #server: Server | undefined;
  #url: string | undefined;
  readonly #faults: Array<Required<Pick<InjectedFault, 'times'>> & InjectedFault> = [];
  #faultPolicy: FaultPolicy | undefined;
  readonly #handler: Handler;
  /** HTTP requests received, including ones answered with an injected fault. */
  requestCount = 0;
  /** Requests that got an injected fault. */
  faultsServed = 0;

  constructor(handler: Handler) {
    this.#handler = handler;
  }

  /** `http://127.0.0.1:PORT` once started. */
  get url(): string {
    if (!this.#url) throw new Error('fake server not started');
    return this.#url;
  }

  async start(): Promise<string> {
    if (this.#url) return this.#url;
    const server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A cloud endpoint does not reset connections under a burst: a deep accept queue for 1000-way tests.
      server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => resolve());
    });
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.#url;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#url = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  injectFault(fault: InjectedFault): void {
    this.#faults.push({ ...fault, times: fault.times ?? 1 });
  }

  /** Drops queued faults and the fault policy. */
  clearFaults(): void {
    this.#faults.length = 0;
    this.#faultPolicy = undefined;
  }

  /** Faults by rule instead of by count (e.g. a seeded random "10% of requests"). `undefined` removes it. */
  setFaultPolicy(policy: FaultPolicy | undefined): void {
    this.#faultPolicy = policy;
  }

  #nextFault(req: IncomingMessage, url: URL): InjectedFault | undefined {
    const faultIndex = this.#faults.findIndex((f) => !f.pathIncludes || url.pathname.includes(f.pathIncludes));
    if (faultIndex >= 0) {
      const fault = this.#faults[faultIndex]!;
      if (--fault.times <= 0) this.#faults.splice(faultIndex, 1);
      return fault;
    }
    const fault = this.#faultPolicy?.(req, url);
    return fault && (!fault.pathIncludes || url.pathname.includes(fault.pathIncludes)) ? fault : undefined;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    this.requestCount++;
    try {
      const fault = this.#nextFault(req, url);
      if (fault) {
        this.faultsServed++;
        if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
        if (fault.reset) {
          req.socket.resetAndDestroy();
          return;
        }
        if (fault.status) {
          await drain(req);
          sendError(res, fault.status, fault.status === 429 ? 'Quota exceeded (injected fault).' : 'Backend error (injected fault).');
          return;
        }
        if (fault.truncate || fault.stall) truncateBody(req, res, fault.stall === true);
      }
      await this.#handler(req, res, url);
    } catch (error) {
      if (!res.headersSent) sendError(res, 500, `fake server error: ${error instanceof Error ? error.message : String(error)}`);
      else res.destroy();
    }
  }
}

/** Makes the handler's `res.end(body)` send only the first half of a body, then drop the connection (or go silent). */
function truncateBody(req: IncomingMessage, res: ServerResponse, keepOpen: boolean): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    const chunk = args[0];
    const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : undefined;
    if (!data || data.length < 2 || req.method === 'HEAD') return end(...args);
    res.write(data.subarray(0, Math.floor(data.length / 2)), () => { if (!keepOpen) req.socket.destroy(); });
    return res;
  }) as typeof res.end;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req) { /* discard */ }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS', 412: 'FAILED_PRECONDITION', 416: 'OUT_OF_RANGE', 429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL', 503: 'UNAVAILABLE',
};

/** Google APIs answer errors as `{ error: { code, message, status, errors: [...] } }`. */
export function sendError(res: ServerResponse, status: number, message: string, reason?: string): void {
  sendJson(res, status, {
    error: {
      code: status,
      message,
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
      errors: [{ message, domain: 'global', reason: reason ?? (STATUS_NAMES[status] ?? 'error').toLowerCase() }],
    },
  });
}

/** The plumbing every fake Google service shares: a loopback HTTP server with fault injection. */
export abstract class FakeGoogleService {
  readonly #http: FakeHttpServer;

  constructor() {
    this.#http = new FakeHttpServer((req, res, url) => this.handle(req, res, url));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;

  get url(): string { return this.#http.url; }
  start(): Promise<string> { return this.#http.start(); }
  close(): Promise<void> { return this.#http.close(); }
  /** e.g. `{ status: 429, times: 2 }` or `{ delayMs: 200 }`. */
  injectFault(fault: InjectedFault): void { this.#http.injectFault(fault); }
  /** Faults by rule (e.g. a seeded random "10% of requests"), consulted when no queued fault matches; `undefined` removes it. */
  setFaultPolicy(policy: FaultPolicy | undefined): void { this.#http.setFaultPolicy(policy); }
  /** HTTP requests received, including ones answered with an injected fault. */
  get requestCount(): number { return this.#http.requestCount; }
  /** Requests that got an injected fault. */
  get faultsServed(): number { return this.#http.faultsServed; }
  clearFaults(): void { this.#http.clearFaults(); }
}
