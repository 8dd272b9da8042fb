import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientAssertionCredential } from '@azure/identity';
import { CachedTokenCredential, loadIdentity, STORAGE_SCOPE } from '../../src/auth/azure-token.js';
import { FederatedTokenStrategy } from '../../src/auth/federated.js';
import { CredentialCache } from '../../src/cache/credential-cache.js';
import { AssetLinkError } from '../../src/errors.js';
import { createTrustingAgent } from '../../src/resolvers/azure/http.js';
import { FakeEntra } from '../../src/testing/azure/fake-entra.js';
import { FakeOidcIssuer } from '../../src/testing/azure/oidc-issuer.js';

const TENANT = '8e1f2a3b-4c5d-4e6f-8a7b-9c0d1e2f3a4b';
const APP = '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const SUBJECT = 'platform-workload';

describe('federated (workload identity federation) strategy', () => {
  let entra: FakeEntra;
  let issuer: FakeOidcIssuer;
  let agent: ReturnType<typeof createTrustingAgent>;
  let calls = 0;
  const assertion = async (): Promise<string> => { calls++; return issuer.mint({ subject: SUBJECT }); };

  beforeAll(async () => {
    issuer = new FakeOidcIssuer();
    // Tokens shorter than MSAL's 5-minute renewal margin: MSAL never answers from its own cache,
    // so every token the cache asks for is a real Entra round trip.
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

  const strategy = async (callback = assertion): Promise<FederatedTokenStrategy> =>
    new FederatedTokenStrategy(await loadIdentity(), { kind: 'federated', tenantId: TENANT, clientId: APP, assertion: callback }, { authorityHost: entra.authorityHost, agent });

  it('the bare SDK credential calls the assertion callback more than once per token (why it is wrapped)', async () => {
    let raw = 0;
    const credential = new ClientAssertionCredential(TENANT, APP, async () => { raw++; return issuer.mint({ subject: SUBJECT }); }, {
      authorityHost: entra.authorityHost, disableInstanceDiscovery: true, ...(agent ? { agent } : {}),
    });
    await credential.getToken(STORAGE_SCOPE);
    expect(raw).toBeGreaterThan(1);
  });

  it('calls the assertion callback exactly once per token fetched', async () => {
    const s = await strategy();
    const before = calls;
    const tokensBefore = entra.tokensIssued;
    await s.fetchToken(STORAGE_SCOPE);
    await s.fetchToken(STORAGE_SCOPE);
    expect(calls - before).toBe(2);
    expect(entra.tokensIssued - tokensBefore).toBe(2);
  });

  it('through the credential cache: no assertion while the token is fresh, one when it must be renewed', async () => {
    let now = Date.now();
    const cache = new CredentialCache({ now: () => now, refreshBeforeExpirySeconds: 60 });
    const credential = new CachedTokenCredential(cache, 'fed-int', await strategy());
    const before = calls;
    const tokens = await Promise.all(Array.from({ length: 200 }, () => credential.getToken()));
    expect(new Set(tokens.map((t) => t.token)).size).toBe(1);
    for (let i = 0; i < 20; i++) await credential.getToken();
    expect(calls - before).toBe(1);
    now += 201_000; // past the token's expiry
    const renewed = await credential.getToken();
    expect(renewed.token).not.toBe(tokens[0]!.token);
    expect(calls - before).toBe(2);
    expect(credential.cacheKey).toBe(`fed-int|azure-token|${TENANT}`);
  });

  it('a failing or malformed assertion is CREDENTIALS_UNAVAILABLE, not an SDK error', async () => {
    const failing = await strategy(async () => { throw new Error('issuer unreachable'); });
    const error = await failing.fetchToken(STORAGE_SCOPE).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AssetLinkError);
    expect((error as AssetLinkError).code).toBe('CREDENTIALS_UNAVAILABLE');
    expect((error as AssetLinkError).retryable).toBe(true);

    const malformed = await strategy(async () => 'not a jwt');
    const error2 = await malformed.fetchToken(STORAGE_SCOPE).catch((e: unknown) => e);
    expect((error2 as AssetLinkError).code).toBe('CREDENTIALS_UNAVAILABLE');
  });

  it('prints as tenant and client id only', async () => {
    const s = await strategy();
    expect(JSON.stringify(s)).toBe(JSON.stringify({ kind: 'federated', tenantId: TENANT, clientId: APP }));
    expect(inspect(s, { depth: 5 })).not.toMatch(/eyJ/);
  });

  it('refuses a non-https authority host', async () => {
    const identity = await loadIdentity();
    expect(() => new FederatedTokenStrategy(identity, { kind: 'federated', tenantId: TENANT, clientId: APP, assertion }, { authorityHost: 'http://127.0.0.1:1' }))
      .toThrow(expect.objectContaining({ code: 'INVALID_INTEGRATION' }));
  });
});
