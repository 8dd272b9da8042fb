/** In-process Azure fakes for test harnesses (re-exported by `assetlink/testing`). */
export { AzuriteBlobServer, AZURITE_DEFAULT_ACCOUNT, AZURITE_DEFAULT_KEY } from './azurite.js';
export type { AzuriteCorsRule, AzuriteFault, AzuriteFaultPolicy, AzuriteOptions, AzuriteRequest, AzuriteSasGrant, PutBlobOptions } from './azurite.js';
export { FakeEntra } from './fake-entra.js';
export type { FakeEntraApp, FakeEntraFault, FakeEntraFaultPolicy, FakeEntraOptions, FakeEntraTokenRequest, FakeFederatedCredential } from './fake-entra.js';
export { FakeOidcIssuer, ENTRA_FEDERATION_AUDIENCE } from './oidc-issuer.js';
export type { MintOptions, OidcIssuerOptions } from './oidc-issuer.js';
export { createTestCertificate } from './tls.js';
export type { TestCertificate, TestCertificateOptions } from './tls.js';
export { createTrustingFetch } from './https-fetch.js';
export type { FetchLike } from './https-fetch.js';
export { startAzureTestEnvironment } from './environment.js';
export type { AzureTestEnvironment, AzureTestEnvironmentOptions } from './environment.js';
