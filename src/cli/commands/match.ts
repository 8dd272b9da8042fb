import type { CliCommand } from '../command.js';

export const match: CliCommand = {
  name: 'match',
  summary: 'which integration covers <uri>, and why (no network)',
  args: { required: ['uri'] },
  async run({ args, values, resolver, out }) {
    const m = resolver.match(args[0]!, values.integration as string | undefined);
    out(`${m.location.uri}\n  integration: ${m.integration.id} (${m.integration.provider}, ${m.integration.mode})\n  why: ${m.reason}`, m);
    return 0;
  },
};
