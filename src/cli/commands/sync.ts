import { InvalidArgumentError } from '../../errors.js';
import type { CliCommand } from '../command.js';
import { withListingIo } from '../listing-io.js';
import { positiveInteger } from '../ls.js';
import { syncCommand } from '../sync.js';

export const sync: CliCommand = {
  name: 'sync',
  summary: 'first run: write the manifest; later runs: print changes as JSON lines and replace it atomically',
  args: { required: ['uri'] },
  options: {
    manifest: { type: 'string', value: 'FILE', description: 'the listing manifest to compare with and replace (required)' },
    'page-size': { type: 'string', value: 'N', description: 'entries per provider request' },
  },
  details: 'A failure or Ctrl-C leaves the previous manifest untouched, so the next run reports the same changes again.',
  check(_args, values) {
    if (!values.manifest) throw new InvalidArgumentError('sync needs --manifest FILE');
    positiveInteger(values['page-size'] as string | undefined, '--page-size');
  },
  async run({ args, values, resolver, stdout, stderr }) {
    const manifest = values.manifest as string;
    const pageSize = positiveInteger(values['page-size'] as string | undefined, '--page-size');
    const integration = values.integration as string | undefined;
    return withListingIo(stdout, stderr, (io) => syncCommand({
      uri: args[0]!,
      manifest,
      ...(integration !== undefined ? { integration } : {}),
      ...(pageSize !== undefined ? { pageSize } : {}),
    }, resolver, io));
  },
};
