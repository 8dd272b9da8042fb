import type { NormalizedIntegration } from '../integrations/registered.js';
import { shellCommand } from './shell.js';
import { Placeholders, type DraftPlan } from './steps.js';
import type { SetupOptions, SetupStep } from './types.js';
import { azureCors } from './azure.js';

type AzureAnonymousIntegration = Extract<NormalizedIntegration, { provider: 'azure' }> & { auth: { kind: 'anonymous' } };

/**
 * Setup for `auth: { kind: 'anonymous' }`: the container's public access level. `blob` lets anyone
 * read a blob whose name they know (read, head, presign); listing anonymously needs `container`,
 * which also lets anyone enumerate every blob name. The storage account must allow anonymous
 * access at all (allowBlobPublicAccess), or Azure answers every anonymous request with
 * PublicAccessNotPermitted.
 */
export function azurePublicSetup(i: AzureAnonymousIntegration, _options: SetupOptions, origins: string[], maxAgeSeconds: number): DraftPlan {
  const { account, container, prefix } = i.scope;
  const ph = new Placeholders();
  const resourceGroup = ph.valueOr(_options.azure?.resourceGroup, '<resource-group>');
  const name = container ?? ph.valueOr(undefined, '<container>');
  const placeholders = ph.list();
  const steps: SetupStep[] = [
    {
      id: 'azure.allow-public-access',
      title: `Allow anonymous access on storage account ${account}`,
      description: 'Storage accounts created since 2023 refuse anonymous access account-wide (allowBlobPublicAccess false); a container can only be made public once the account allows it. '
        + 'This changes no container by itself.',
      kind: 'command',
      document: { account, allowBlobPublicAccess: true },
      text: shellCommand(['az', 'storage', 'account', 'update'], [], [['--name', account], ['--resource-group', resourceGroup], ['--allow-blob-public-access', 'true']]),
      ...(placeholders.length ? { placeholders } : {}),
    },
    {
      id: 'azure.public-container',
      title: `Public read access to blobs of ${account}/${name}`,
      description: `Lets anyone on the internet read blobs of container ${name} by name (--public-access blob: no listing, no writes), which is what an anonymous integration relies on. `
        + `To let the platform list the container too, use --public-access container instead, which also lets anyone enumerate every blob name. `
        + `Public access covers the whole container${prefix ? `: the integration's prefix ${prefix}/ is enforced by assetlink only` : ''}. Never do this for data that is not meant to be public.`,
      kind: 'command',
      document: { account, container: name, publicAccess: 'blob' },
      text: shellCommand(['az', 'storage', 'container', 'set-permission'], [], [['--account-name', account], ['--name', name], ['--public-access', 'blob'], ['--auth-mode', 'key']]),
      ...(placeholders.length ? { placeholders } : {}),
    },
  ];
  if (origins.length > 0) {
    const cors = azureCors(origins, 'read-only', maxAgeSeconds);
    steps.push({
      id: 'azure.cors',
      title: `CORS rule for the blob service of ${account}`,
      description: `Lets ${origins.join(', ')} fetch the public blob URLs that presign returns from the browser.`,
      kind: 'cors',
      document: cors,
      text: shellCommand(['az', 'storage', 'cors', 'add'], [], [
        ['--account-name', account], ['--services', 'b'], ['--methods', cors.allowedMethods], ['--origins', cors.allowedOrigins],
        ['--allowed-headers', cors.allowedHeaders], ['--exposed-headers', cors.exposedHeaders], ['--max-age', String(cors.maxAgeInSeconds)],
      ]),
    });
  }
  const notes = [
    'Anonymous integrations are read-only and send unsigned requests: assetlink never falls back to any identity when the container is private.',
    'Azure answers an anonymous request to a private (or missing) container with 404 ResourceNotFound, so a container made private later shows up as NOT_FOUND, not ACCESS_DENIED (docs/providers/azure.md, "Public containers").',
  ];
  return { integrationId: i.id, provider: 'azure', mode: i.mode, authKind: 'anonymous', steps, alternatives: [], notes };
}
