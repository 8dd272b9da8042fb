import type { NormalizedIntegration } from '../integrations/registered.js';
import { shellComment, shellCommand, type ShellFlag } from './shell.js';
import { Placeholders, type DraftPlan } from './steps.js';
import type { SetupOptions, SetupStep } from './types.js';
import { azureCors } from './azure.js';

type AzureSasIntegration = Extract<NormalizedIntegration, { provider: 'azure' }> & { auth: { kind: 'sas' } };

/**
 * Setup for `auth: { kind: 'sas' }`: the customer issues a user delegation SAS for the container
 * (signed with their Entra sign-in, revocable by revoking their delegation keys, at most 7 days)
 * or, where they must outlive that, a service SAS signed with the account key. Only the
 * permissions the mode needs: `rl` read-only, `rwdl` read-write. The token is never in the plan.
 */
export function azureSasSetup(i: AzureSasIntegration, _options: SetupOptions, origins: string[], maxAgeSeconds: number): DraftPlan {
  const { account, container } = i.scope;
  const ph = new Placeholders();
  const expiry = ph.valueOr(undefined, '<expiry, e.g. 2026-12-31T00:00Z>');
  const permissions = i.mode === 'read-write' ? 'rwdl' : 'rl';
  const name = container ?? ph.valueOr(undefined, '<container>');
  const flags = (asUser: boolean): ShellFlag[] => [
    ['--account-name', account],
    ['--name', name],
    ['--permissions', permissions],
    ['--expiry', expiry],
    ['--https-only'],
    ...(asUser ? [['--auth-mode', 'login'], ['--as-user']] as ShellFlag[] : []),
    ['--output', 'tsv'],
  ];
  const sasFile = 'assetlink-sas.txt';
  const placeholders = ph.list();
  const steps: SetupStep[] = [{
    id: 'azure.sas',
    title: `Container SAS for ${account}/${name} (sp=${permissions})`,
    description: `Issues a SAS for the container that grants ${i.mode === 'read-write' ? 'read, write, delete and list' : 'read and list only'}. `
      + 'A user delegation SAS (--as-user, signed with your Entra sign-in, valid at most 7 days) can be revoked by revoking your user delegation keys; '
      + 'an account-key SAS (without --as-user) can only be revoked by rotating the account key. The SAS covers the whole container, not a prefix. '
      + 'It is written to a file only you can read: paste it into the platform, then delete the file.',
    kind: 'command',
    document: { account, container: name, permissions, httpsOnly: true, userDelegation: true },
    text: [
      `(umask 077 && ${shellCommand(['az', 'storage', 'container', 'generate-sas'], [], flags(true))} \\\n  > ${sasFile})`,
      shellComment(`Paste the content of ${sasFile} into the platform, then: rm ${sasFile}`),
    ].join('\n'),
    ...(placeholders.length ? { placeholders } : {}),
  }];
  if (origins.length > 0) {
    const cors = azureCors(origins, i.mode, maxAgeSeconds);
    steps.push({
      id: 'azure.cors',
      title: `CORS rule for the blob service of ${account}`,
      description: 'Only needed when the platform hands out presigned URLs from this SAS (auth.presign "share-sas").',
      kind: 'cors',
      document: cors,
      text: shellCommand(['az', 'storage', 'cors', 'add'], [], [
        ['--account-name', account], ['--services', 'b'], ['--methods', cors.allowedMethods], ['--origins', cors.allowedOrigins],
        ['--allowed-headers', cors.allowedHeaders], ['--exposed-headers', cors.exposedHeaders], ['--max-age', String(cors.maxAgeInSeconds)],
      ]),
    });
  }
  const notes = [
    `The SAS stops working at its expiry: issue a new one before then and update integration ${i.id} (assetlink verify reports the expiry).`,
    'assetlink cannot narrow a SAS: a prefix in the integration is enforced by assetlink, not by the token.',
  ];
  return { integrationId: i.id, provider: 'azure', mode: i.mode, authKind: 'sas', steps, alternatives: [], notes };
}
