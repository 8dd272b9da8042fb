import { formatSetup, generateSetup } from '../../setup/index.js';
import type { Integration } from '../../types.js';
import type { CliCommand } from '../command.js';

export const setup: CliCommand = {
  name: 'setup',
  summary: 'print what the customer must apply (policies, commands, CORS)',
  args: { required: ['integration-id'] },
  options: {
    origin: { type: 'string', multiple: true, value: 'O', description: 'a browser origin to allow in the CORS rules (repeatable)' },
  },
  details: 'The platform identity the customer trusts comes from the config\'s "setup" section.',
  async run({ args, values, config, resolver, out }) {
    const origins = values.origin as string[] | undefined;
    const plan = generateSetup(resolver.integration(args[0]!).config as Integration, {
      ...config.setup,
      ...(origins?.length ? { origins } : {}),
    });
    out(formatSetup(plan), plan);
    return 0;
  },
};
