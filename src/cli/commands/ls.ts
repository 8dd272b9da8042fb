import { InvalidArgumentError } from '../../errors.js';
import type { CliCommand } from '../command.js';
import { withListingIo } from '../listing-io.js';
import { lsCommand, matchArgument, positiveInteger } from '../ls.js';

export const ls: CliCommand = {
  name: 'ls',
  summary: 'list a bucket or folder, one page at a time',
  args: { required: ['uri'] },
  options: {
    match: { type: 'string', value: 'GLOB', description: 'only keys below the folder matching a glob ("**/*.jpg") or /regexp/flags' },
    recursive: { type: 'string', value: 'true|false', description: '--recursive=false lists one folder level (sub-folders as PRE entries)' },
    limit: { type: 'string', value: 'N', description: 'stop after N entries' },
    'page-size': { type: 'string', value: 'N', description: 'entries per provider request' },
  },
  details: 'Prints `size  lastModified  uri` per object (JSON lines with --json). Output waits for a slow reader; Ctrl-C stops the listing.',
  check(_args, values) {
    recursiveOption(values.recursive);
    positiveInteger(values.limit as string | undefined, '--limit');
    positiveInteger(values['page-size'] as string | undefined, '--page-size');
    if (values.match !== undefined) matchArgument(String(values.match));
  },
  async run({ args, values, json, resolver, stdout, stderr }) {
    const recursive = recursiveOption(values.recursive);
    const limit = positiveInteger(values.limit as string | undefined, '--limit');
    const pageSize = positiveInteger(values['page-size'] as string | undefined, '--page-size');
    const integration = values.integration as string | undefined;
    return withListingIo(stdout, stderr, (io) => lsCommand({
      uri: args[0]!,
      json,
      recursive,
      ...(values.match !== undefined ? { match: matchArgument(String(values.match)) } : {}),
      ...(integration !== undefined ? { integration } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(pageSize !== undefined ? { pageSize } : {}),
    }, resolver, io));
  },
};

function recursiveOption(value: unknown): boolean {
  if (value === undefined || value === true || value === 'true') return true;
  if (value === 'false') return false;
  throw new InvalidArgumentError(`--recursive takes true or false, got "${String(value)}"`);
}
