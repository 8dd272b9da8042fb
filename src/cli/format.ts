import type { VerificationReport } from '../verify/report.js';

const MARK: Record<string, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skipped: 'skip' };

/** A readable table of a verification report. */
export function formatReport(report: VerificationReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = [`integration ${report.integrationId} (${report.provider}, ${report.mode}): ${report.status.toUpperCase()}`];
  for (const c of report.checks) {
    lines.push(`  ${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}${c.code ? ` [${c.code}]` : ''}`);
    if (c.hint) lines.push(`        ${' '.repeat(width)}  fix: ${c.hint}`);
  }
  return lines.join('\n');
}
