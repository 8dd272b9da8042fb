import type { AzurePlatformOptions } from '../../types.js';
import { AzuriteBlobServer } from './azurite.js';
import { FakeEntra, type FakeEntraApp } from './fake-entra.js';
import { createTrustingFetch, type FetchLike } from './https-fetch.js';
import { FakeOidcIssuer } from './oidc-issuer.js';
import { createTestCertificate, type TestCertificate } from './tls.js';

/** Options of `startAzureTestEnvironment`. */
export interface AzureTestEnvironmentOptions {
  /** Storage accounts Azurite serves (besides devstoreaccount1). */
  accounts?: string[];
  /** Containers to create up front, as `account/container` or `container` (devstoreaccount1). */
  containers?: string[];
  /** App registrations the fake Entra knows. */
  apps?: FakeEntraApp[];
}

/** Everything an Azure test needs, wired together: one certificate, Azurite, Entra, an OIDC issuer. */
export interface AzureTestEnvironment {
  tls: TestCertificate;
  azurite: AzuriteBlobServer;
  entra: FakeEntra;
  /** The platform's OIDC issuer; the fake Entra trusts its signing key. */
  issuer: FakeOidcIssuer;
  /** `platform.azure` for createAssetResolver: authority, `{account}` endpoint template, test CA. */
  platform: AzurePlatformOptions;
  /** `fetch` that trusts the test CA, for presigned URLs. */
  fetch: FetchLike;
  close(): Promise<void>;
}

/** Starts Azurite and a fake Entra over HTTPS on loopback with a fresh self-signed certificate. */
export async function startAzureTestEnvironment(options: AzureTestEnvironmentOptions = {}): Promise<AzureTestEnvironment> {
  const tls = await createTestCertificate();
  const issuer = new FakeOidcIssuer();
  const azurite = await AzuriteBlobServer.start({ tls, ...(options.accounts ? { accounts: options.accounts } : {}) });
  let entra: FakeEntra;
  try {
    entra = await FakeEntra.start({ tls, apps: options.apps ?? [], trustedIssuers: { [issuer.issuer]: issuer.publicKeyPem } });
    for (const name of options.containers ?? []) {
      const [account, container] = name.includes('/') ? (name.split('/', 2) as [string, string]) : [undefined, name];
      await azurite.createContainer(container, account);
    }
  } catch (error) {
    await azurite.close();
    throw error;
  }
  return {
    tls,
    azurite,
    entra,
    issuer,
    platform: { authorityHost: entra.authorityHost, blobEndpoint: azurite.endpointTemplate, ca: tls.ca },
    fetch: createTrustingFetch(tls.ca),
    close: async () => {
      await Promise.allSettled([entra.close(), azurite.close()]);
    },
  };
}
