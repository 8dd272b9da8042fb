import type { CliCommand } from '../command.js';
import { formatReport } from '../format.js';

export const verify: CliCommand = {
  name: 'verify',
  summary: 'test the integration end to end; exit 0 only when active',
  args: { required: ['integration-id'] },
  options: {
    sample: { type: 'string', value: 'URI', description: 'an object to read as part of the check' },
    origin: { type: 'string', multiple: true, value: 'O', description: 'a browser origin whose CORS access to check' },
    'probe-key': { type: 'string', value: 'K', description: 'key of the write probe (created only if absent)' },
  },
  details: 'Each check is printed on stderr as it finishes. Exit 12 when the integration is pending.',
  async run({ args, values, resolver, out, progress }) {
    const origins = values.origin as string[] | undefined;
    const report = await resolver.verify(args[0]!, {
      ...(values.sample ? { sampleUri: values.sample as string } : {}),
      ...(origins?.[0] ? { origin: origins[0] } : {}),
      ...(values['probe-key'] ? { probeKey: values['probe-key'] as string } : {}),
      onCheck: (c) => progress(`  ${c.status.padEnd(7)} ${c.name}`),
    });
    out(formatReport(report), report);
    return report.status === 'active' ? 0 : 12;
  },
};
