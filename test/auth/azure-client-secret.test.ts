import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapEntraError } from '../../src/auth/azure-errors.js';
import { CachedTokenCredential, loadIdentity, STORAGE_SCOPE } from '../../src/auth/azure-token.js';
import { ClientSecretTokenStrategy } from '../../src/auth/client-secret.js';
import { CredentialCache } from '../../src/cache/credential-cache.js';
import { AssetLinkError } from '../../src/errors.js';
import { createTrustingAgent } from '../../src/resolvers/azure/http.js';
import { FakeEntra } from '../../src/testing/azure/fake-entra.js';

const TENANT = '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e';
const APP = '7f8e9d0c-1b2a-4c3d-8e4f-5a6b7c8d9e0f';
const CANARY = 'CANARY-secret-value-3f9a';
const ctx = { integrationId: 'int-1', tenantId: TENANT, clientId: APP };

describe('client-secret strategy', () => {
  let entra: FakeEntra;
  let agent: ReturnType<typeof createTrustingAgent>;
  beforeAll(async () => {
    entra = await FakeEntra.start({ apps: [{ tenantId: TENANT, clientId: APP, clientSecret: CANARY }] });
    agent = createTrustingAgent(entra.ca);
  });
  afterAll(async () => {
    agent?.destroy();
    await entra?.close();
  });
  const strategy = async (secret: string): Promise<ClientSecretTokenStrategy> =>
    new ClientSecretTokenStrategy(await loadIdentity(), { kind: 'client-secret', tenantId: TENANT, clientId: APP, clientSecret: secret }, { authorityHost: entra.authorityHost, agent });

  it('gets a storage token with the secret, once for many concurrent callers', async () => {
    const before = entra.tokensIssued;
    const credential = new CachedTokenCredential(new CredentialCache(), 'int-1', await strategy(CANARY));
    const tokens = await Promise.all(Array.from({ length: 100 }, () => credential.getToken()));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    expect(tokens[0]!.expiresOnTimestamp).toBeGreaterThan(Date.now());
    expect(entra.tokensIssued - before).toBe(1);
    expect(entra.tokenRequests.at(-1)).toMatchObject({ grant: 'client_secret', scope: STORAGE_SCOPE });
  });

  it('a wrong secret is ACCESS_DENIED and is not retried', async () => {
    const before = entra.tokenRequests.length;
    const credential = new CachedTokenCredential(new CredentialCache(), 'int-1', await strategy('CANARY-wrong'));
    const error = (await credential.getToken().catch((e: unknown) => e)) as AssetLinkError;
    expect(error).toBeInstanceOf(AssetLinkError);
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toContain('AADSTS7000215');
    expect(entra.tokenRequests.length - before).toBe(1);
    expect(`${error.message} ${JSON.stringify(error)} ${inspect(error)}`).not.toContain('CANARY-wrong');
  });

  it('never prints the secret', async () => {
    const s = await strategy(CANARY);
    expect(`${JSON.stringify(s)} ${inspect(s, { depth: 10 })} ${String(s)}`).not.toContain(CANARY);
  });
});

describe('mapEntraError', () => {
  const map = (message: string, name = 'AuthenticationRequiredError'): AssetLinkError => mapEntraError(Object.assign(new Error(message), { name }), ctx);

  it('maps refused credentials to ACCESS_DENIED with a hint', () => {
    const e = map('invalid_client: Error(s): 7000215 - Timestamp: x - Description: AADSTS7000215: Invalid client secret provided.');
    expect(e.code).toBe('ACCESS_DENIED');
    expect(e.retryable).toBe(false);
    expect(e.integrationId).toBe('int-1');
    expect(e.message).toMatch(/secret is wrong/);
    expect(map('unauthorized_client: Error(s): 700016 - ...').code).toBe('ACCESS_DENIED');
    expect(map('invalid_client: Error(s): 700213 - ... AADSTS700213: No matching federated identity record').message).toMatch(/subject/);
  });

  it('maps an unknown tenant or bad scope to non-retryable CREDENTIALS_UNAVAILABLE', () => {
    for (const message of ['invalid_request: Error(s): 90002 - AADSTS90002: Tenant not found.', 'invalid_scope: Error(s): 70011 - ...']) {
      const e = map(message);
      expect(e.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(e.retryable).toBe(false);
    }
  });

  it('maps throttling, server errors and unreachable token services to retryable CREDENTIALS_UNAVAILABLE', () => {
    for (const [message, name] of [
      ['temporarily_unavailable: Error(s): 50196 - ...', 'AuthenticationRequiredError'],
      ['server_error: Error(s): 90033 - ...', 'AuthenticationRequiredError'],
      ['90033: AADSTS90033: injected fault', 'AuthenticationRequiredError'],
      ['endpoints_resolution_error: Endpoints cannot be resolved', 'CredentialUnavailableError'],
    ] as const) {
      const e = map(message, name);
      expect(e.code).toBe('CREDENTIALS_UNAVAILABLE');
      expect(e.retryable).toBe(true);
    }
  });

  it('passes AssetLinkErrors through', () => {
    const original = new AssetLinkError('ACCESS_DENIED', 'x');
    expect(mapEntraError(original, ctx)).toBe(original);
  });
});
