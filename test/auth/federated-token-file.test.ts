import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdentity, STORAGE_SCOPE } from '../../src/auth/azure-token.js';
import { FederatedTokenStrategy } from '../../src/auth/federated.js';
import { createAssetResolver, federatedTokenFile, type AssetLinkError } from '../../src/index.js';
import { createTrustingAgent } from '../../src/resolvers/azure/http.js';
import { FakeEntra } from '../../src/testing/azure/fake-entra.js';
import { FakeOidcIssuer } from '../../src/testing/azure/oidc-issuer.js';

/**
 * Issue 18: Azure workload identity from configuration — the assertion read from a projected
 * service-account token file ($AZURE_FEDERATED_TOKEN_FILE), re-read when the kubelet rotates it.
 */

const TENANT = '8e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
const APP = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const SUBJECT = 'system:serviceaccount:platform:assetlink';

let dir: string;
beforeAll(() => { dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'assetlink-token-file-'))); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The kubelet's layout: token → ..data/token, ..data → a timestamped directory swapped atomically. */
function projectToken(root: string, token: string, generation: number): void {
  const target = path.join(root, `..${generation}`);
  fs.mkdirSync(target, { recursive: true });
  fs.writeFileSync(path.join(target, 'token'), token);
  const tmp = path.join(root, '..data_tmp');
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, path.join(root, '..data'));
  if (!fs.existsSync(path.join(root, 'token'))) fs.symlinkSync(path.join('..data', 'token'), path.join(root, 'token'));
}

describe('federatedTokenFile', () => {
  it('reads the token, and reads it again only after the file was rotated', async () => {
    const root = path.join(dir, 'projected');
    fs.mkdirSync(root);
    projectToken(root, 'header.first.sig\n', 1);
    const reads: string[] = [];
    const read = federatedTokenFile(path.join(root, 'token'));
    reads.push(await read(), await read());
    projectToken(root, 'header.second.sig', 2);
    reads.push(await read());
    expect(reads).toEqual(['header.first.sig', 'header.first.sig', 'header.second.sig']);
  });

  it('defaults to $AZURE_FEDERATED_TOKEN_FILE, and says what to set when it is not set', async () => {
    const file = path.join(dir, 'env-token');
    fs.writeFileSync(file, 'a.b.c');
    const saved = process.env.AZURE_FEDERATED_TOKEN_FILE;
    try {
      process.env.AZURE_FEDERATED_TOKEN_FILE = file;
      expect(await federatedTokenFile()()).toBe('a.b.c');
      delete process.env.AZURE_FEDERATED_TOKEN_FILE;
      expect(() => federatedTokenFile()).toThrow(/AZURE_FEDERATED_TOKEN_FILE/);
    } finally {
      if (saved === undefined) delete process.env.AZURE_FEDERATED_TOKEN_FILE; else process.env.AZURE_FEDERATED_TOKEN_FILE = saved;
    }
  });

  it('a missing or empty file is CREDENTIALS_UNAVAILABLE naming the path, never the token', async () => {
    const missing = (await federatedTokenFile(path.join(dir, 'nope'))().catch((e: unknown) => e)) as AssetLinkError;
    expect(missing).toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE', retryable: true });
    expect(missing.message).toContain(path.join(dir, 'nope'));
    fs.writeFileSync(path.join(dir, 'empty'), '\n');
    await expect(federatedTokenFile(path.join(dir, 'empty'))()).rejects.toMatchObject({ code: 'CREDENTIALS_UNAVAILABLE' });
  });
});

describe('a federated integration configured with tokenFile', () => {
  let entra: FakeEntra;
  let issuer: FakeOidcIssuer;
  let agent: ReturnType<typeof createTrustingAgent>;
  beforeAll(async () => {
    issuer = new FakeOidcIssuer();
    entra = await FakeEntra.start({
      apps: [{ tenantId: TENANT, clientId: APP, federated: [{ issuer: issuer.issuer, subject: SUBJECT }] }],
      trustedIssuers: { [issuer.issuer]: issuer.publicKeyPem },
      tokenLifetimeSeconds: 200,
    });
    agent = createTrustingAgent(entra.ca);
  });
  afterAll(async () => {
    agent?.destroy();
    await entra?.close();
  });

  it('validates as plain data (JSON config) and fingerprints stably', () => {
    const resolver = createAssetResolver();
    const integration = { id: 'az-file', provider: 'azure' as const, scope: { account: 'acct1', container: 'media' }, auth: { kind: 'federated' as const, tenantId: TENANT, clientId: APP, tokenFile: '/var/run/secrets/azure/tokens/azure-identity-token' } };
    expect(resolver.addIntegration(JSON.parse(JSON.stringify(integration)))).toMatchObject({ id: 'az-file', authKind: 'federated' });
    // The same configuration given ad hoc is the registered one (no "different configuration" refusal).
    expect(resolver.match('https://acct1.blob.core.windows.net/media/a.txt', integration).integration.id).toBe('az-file');
    expect(() => resolver.addIntegration({ ...integration, auth: { ...integration.auth, tokenFile: 'relative/token' } })).toThrow(/auth\.tokenFile/);
    expect(() => resolver.addIntegration({ ...integration, auth: { ...integration.auth, assertion: async () => 'x' } } as never)).toThrow(/not both/);
  });

  it('gets Entra tokens with the file\'s assertion, and follows a rotation', async () => {
    const root = path.join(dir, 'entra');
    fs.mkdirSync(root);
    projectToken(root, issuer.mint({ subject: SUBJECT }), 1);
    const strategy = new FederatedTokenStrategy(await loadIdentity(), { kind: 'federated', tenantId: TENANT, clientId: APP, tokenFile: path.join(root, 'token') }, { authorityHost: entra.authorityHost, agent });
    const first = await strategy.fetchToken(STORAGE_SCOPE);
    expect(first.token).toBeTruthy();
    // Rotated to a token Entra does not accept (other subject): the next fetch must present it.
    projectToken(root, issuer.mint({ subject: 'system:serviceaccount:other:intruder' }), 2);
    await expect(strategy.fetchToken(STORAGE_SCOPE)).rejects.toBeTruthy();
    projectToken(root, issuer.mint({ subject: SUBJECT }), 3);
    const third = await strategy.fetchToken(STORAGE_SCOPE);
    expect(third.token).toBeTruthy();
  });
});
