import net from 'node:net';
import dns from 'node:dns';

/**
 * No test may reach a real cloud or a metadata address. Any socket to a non-loopback address
 * throws, which fails the test that caused it. Kept on for every test file.
 */
const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '::ffff:127.0.0.1';

const originalConnect = net.Socket.prototype.connect;
type ConnectArgs = Parameters<typeof originalConnect>;

net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0] as { host?: string; path?: string } | number | string | unknown[];
  let host: string | undefined;
  if (Array.isArray(first)) host = (first[0] as { host?: string })?.host;
  else if (typeof first === 'object' && first !== null) host = (first as { host?: string; path?: string }).path ? 'localhost' : (first as { host?: string }).host ?? 'localhost';
  else if (typeof first === 'number') host = typeof args[1] === 'string' ? args[1] : 'localhost';
  else if (typeof first === 'string') host = 'localhost'; // unix socket path
  if (host !== undefined && !isLoopback(host)) {
    throw new Error(`network guard: test tried to connect to non-loopback host ${host}`);
  }
  return originalConnect.apply(this, args as ConnectArgs);
} as typeof originalConnect;

// Names other than localhost never resolve in tests, so nothing can sneak out through DNS either.
const originalLookup = dns.lookup;
(dns as { lookup: unknown }).lookup = function guardedLookup(hostname: string, ...rest: unknown[]) {
  if (!isLoopback(hostname)) {
    const callback = rest[rest.length - 1] as (err: Error) => void;
    const error = Object.assign(new Error(`network guard: DNS lookup of ${hostname} refused in tests`), { code: 'ENOTFOUND' });
    process.nextTick(() => callback(error));
    return;
  }
  return (originalLookup as (...a: unknown[]) => unknown)(hostname, ...rest);
};
