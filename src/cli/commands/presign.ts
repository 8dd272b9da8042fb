import { InvalidArgumentError } from '../../errors.js';
import type { CliCommand } from '../command.js';

export const presign: CliCommand = {
  name: 'presign',
  summary: 'print a presigned URL (GET by default)',
  args: { required: ['uri'] },
  options: {
    ttl: { type: 'string', default: '3600', value: 'S', description: 'lifetime in seconds (default 3600)' },
    put: { type: 'boolean', default: false, description: 'a PUT URL (read-write integrations only)' },
  },
  async run({ args, values, resolver, out }) {
    const ttl = Number(values.ttl);
    if (!/^\d+$/.test(String(values.ttl))) throw new InvalidArgumentError(`--ttl must be a whole number of seconds, got ${JSON.stringify(values.ttl)}`);
    const integration = values.integration as string | undefined;
    const url = await resolver.presign(args[0]!, ttl, { method: values.put ? 'PUT' : 'GET', ...(integration ? { integration } : {}) });
    out(url.url, url);
    return 0;
  },
};
