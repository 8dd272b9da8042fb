import { shellComment, shellCommand } from './shell.js';
import type { SetupStep } from './types.js';

/**
 * The identity step of a `client-certificate` integration: the customer (or the platform, for its
 * own multi-tenant app) uploads the PUBLIC certificate to the app registration; the private key
 * never leaves the platform. `--append` keeps the app's other credentials.
 */
export function certificateStep(appId: string, credentialName: string): SetupStep {
  const certFile = 'assetlink-client-cert.pem';
  return {
    id: 'azure.client-certificate',
    title: `Client certificate on app ${appId}`,
    description: 'Registers the platform\'s public certificate on the app registration, keeping its other credentials. Only the certificate (BEGIN CERTIFICATE) is uploaded; '
      + 'the private key stays with the platform. For enterprises that forbid client secrets. Prefer a federated credential where the platform supports one.',
    kind: 'command',
    document: { appId, displayName: credentialName, append: true, certificateFile: certFile },
    text: [
      shellComment(`Save the platform's public certificate (PEM, no private key) as ${certFile}, then:`),
      shellCommand(['az', 'ad', 'app', 'credential', 'reset'], [], [['--id', appId], ['--append'], ['--display-name', credentialName], ['--cert', `@${certFile}`]]),
    ].join('\n'),
  };
}
