import type { CliCommand } from '../command.js';

export const resolve: CliCommand = {
  name: 'resolve',
  summary: 'head the object through its integration',
  args: { required: ['uri'] },
  async run({ args, values, resolver, out }) {
    const asset = await resolver.resolveAsset(args[0]!, values.integration as string | undefined);
    const head = await asset.head();
    out(`${asset.location.uri}\n  integration: ${asset.integrationId} (${asset.mode})\n  size: ${head.size}${head.contentType ? `\n  content-type: ${head.contentType}` : ''}`, { ...asset, head });
    return 0;
  },
};
