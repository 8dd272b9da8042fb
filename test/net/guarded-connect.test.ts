import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetLinkError } from '../../src/index.js';
import { connectGuarded, type ResolveHost } from '../../src/net/guarded-connect.js';
import type { SsrfPolicy } from '../../src/net/ssrf-policy.js';
import { parseTargetUrl } from '../../src/net/target-url.js';
import { startHttpsTestServer, type HttpsTestServer } from '../resolvers/https-fixture.js';

let server: HttpsTestServer;
beforeAll(async () => { server = await startHttpsTestServer(); });
afterAll(async () => { await server?.close(); });

const answers = (...addresses: string[]): ResolveHost & { calls: number } => {
  const fn = async () => { fn.calls += 1; return addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 })); };
  fn.calls = 0;
  return fn;
};
const policy = (allowPrivateHosts: string[] = ['assets.test']): SsrfPolicy => ({ allowedHosts: ['assets.test'], allowPorts: [server.port], allowPrivateHosts });

describe('connectGuarded', () => {
  it('connects by IP to exactly the checked address, verifying the certificate against the name', async () => {
    const resolve = answers('127.0.0.1');
    const socket = await connectGuarded({ target: parseTargetUrl(`https://assets.test:${server.port}/`), policy: policy(), resolve, ca: server.ca, signal: new AbortController().signal });
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.authorized).toBe(true);
    expect(resolve.calls).toBe(1);
    socket.destroy();
  });

  it('moves on to the next checked address when one refuses the TCP connection', async () => {
    // 127.0.0.2 is loopback too, but nothing listens there on this port.
    const socket = await connectGuarded({ target: parseTargetUrl(`https://assets.test:${server.port}/`), policy: policy(), resolve: answers('127.0.0.2', '127.0.0.1'), ca: server.ca, signal: new AbortController().signal });
    expect(socket.remoteAddress).toBe('127.0.0.1');
    socket.destroy();
  });

  it('refuses before connecting when any address is not acceptable', async () => {
    const before = server.connections();
    const attempt = connectGuarded({ target: parseTargetUrl(`https://assets.test:${server.port}/`), policy: policy([]), resolve: answers('93.184.216.34', '127.0.0.1'), ca: server.ca, signal: new AbortController().signal });
    await expect(attempt).rejects.toMatchObject({ code: 'BLOCKED_HOST' });
    expect(server.connections()).toBe(before);
  });

  it('fails a certificate that does not name the host', async () => {
    const attempt = connectGuarded({ target: parseTargetUrl(`https://unnamed.test:${server.port}/`), policy: { ...policy(['unnamed.test']), allowedHosts: ['unnamed.test'] }, resolve: answers('127.0.0.1'), ca: server.ca, signal: new AbortController().signal });
    await expect(attempt).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('stops when aborted while resolving', async () => {
    const controller = new AbortController();
    const never: ResolveHost = () => new Promise(() => {});
    const attempt = connectGuarded({ target: parseTargetUrl(`https://assets.test:${server.port}/`), policy: policy(), resolve: never, signal: controller.signal });
    controller.abort(new AssetLinkError('TIMEOUT', 'TIMEOUT: test deadline'));
    await expect(attempt).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});
