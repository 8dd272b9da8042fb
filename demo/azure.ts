import { AssetLinkError, createAssetResolver } from '../src/index.js';
import { startAzureTestEnvironment } from '../src/testing/azure/environment.js';

/**
 * Sama / Dataloop style Azure flow, offline: the customer registers an app in their Entra tenant,
 * adds a federated credential trusting the platform's OIDC issuer (no secret is shared), and gives
 * it Storage Blob Data Reader on the images and Contributor on the labels container. The platform
 * exchanges its own JWT for an Entra token, reads an image, writes a label back, and hands an
 * annotator a user-delegation SAS URL. Azurite and a fake Entra run in-process over HTTPS.
 */
export async function runAzureDemo(log: (line: string) => void): Promise<void> {
  const tenantId = '5f1c8a2e-3b4d-4e6f-9a0b-1c2d3e4f5a6b';
  const clientId = '0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a';
  const account = 'acmemlstore';
  const subject = 'system:serviceaccount:labeling:asset-worker';
  const env = await startAzureTestEnvironment({ accounts: [account], containers: [`${account}/raw-images`, `${account}/labels`] });

  // What the customer does once (see docs/providers/azure.md for the az commands).
  env.entra.addApp({ tenantId, clientId, federated: [{ issuer: env.issuer.issuer, subject }] });
  await env.azurite.putBlob('raw-images', 'batch-7/cat-0001.jpg', '<jpeg bytes of a cat>', { account, contentType: 'image/jpeg' });

  let assertions = 0;
  const auth = {
    kind: 'federated', tenantId, clientId,
    // In production: a token from the platform's own issuer (Cognito, a projected token file, ...).
    assertion: async () => { assertions++; return env.issuer.mint({ subject }); },
  } as const;
  const resolver = createAssetResolver({
    integrations: [
      { id: 'acme-images', provider: 'azure', scope: { account, container: 'raw-images' }, auth },
      { id: 'acme-labels', provider: 'azure', mode: 'read-write', scope: { account, container: 'labels' }, auth },
    ],
    platform: { azure: env.platform },
  });
  try {
    const image = await resolver.resolveAsset(`https://${account}.blob.core.windows.net/raw-images/batch-7/cat-0001.jpg`);
    const bytes = await image.bytes();
    const token = env.entra.tokenRequests.at(-1);
    log(`federate     platform JWT (iss ${env.issuer.issuer}, sub ${subject})\n             → Entra token for app ${clientId} via ${token?.grant} (${env.entra.tokensIssued} token call)`);
    log(`read         ${image.location.uri} via "${image.integrationId}": ${bytes.byteLength} bytes, "${new TextDecoder().decode(bytes)}"`);

    try {
      await image.write('overwrite attempt');
    } catch (error) {
      if (!(error instanceof AssetLinkError)) throw error;
      log(`write        refused on the read-only integration: ${error.code}`);
    }

    const label = await resolver.resolveAsset(`wasbs://labels@${account}.blob.core.windows.net/batch-7/cat-0001.json`);
    await label.write(JSON.stringify({ label: 'cat', box: [12, 30, 220, 180] }), { contentType: 'application/json' });
    log(`write-back   ${label.location.uri} via read-write "${label.integrationId}" (stored: ${new TextDecoder().decode(await env.azurite.getBlob('labels', 'batch-7/cat-0001.json', account))})`);

    const url = await resolver.presign(image.location.uri, 900);
    const params = new URL(url.url).searchParams;
    const response = await env.fetch(url.url);
    log(`presign GET  user-delegation SAS sp=${params.get('sp')} sr=${params.get('sr')} spr=${params.get('spr')} expires ${url.expiresAt.toISOString()}\n             fetched back: ${response.status} "${await response.text()}"`);
    const put = await env.fetch(url.url, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: 'tamper' });
    log(`             the same URL used for PUT: ${put.status} (read-only SAS)`);

    const upload = await resolver.presign(label.location.uri.replace('.json', '.review.json'), 300, { method: 'PUT', contentType: 'application/json' });
    const uploaded = await env.fetch(upload.url, { method: 'PUT', headers: upload.headers, body: '{"reviewed":true}' });
    log(`presign PUT  sp=${new URL(upload.url).searchParams.get('sp')} on the read-write integration: ${uploaded.status}`);

    await Promise.all(Array.from({ length: 100 }, (_, i) => resolver.presign(`https://${account}.blob.core.windows.net/raw-images/batch-7/frame-${i}.jpg`, 900)));
    log(`cache        102 SAS URLs over 2 integrations: ${env.entra.tokensIssued} Entra tokens, ${env.azurite.userDelegationKeyRequests} user delegation keys, ${assertions} assertions minted (one each per integration)`);
  } finally {
    await resolver.close();
    await env.close();
  }
}
