import type { SetupPlan, SetupStep } from './types.js';

/**
 * A plan as Markdown: readable in a terminal, and it renders in tickets, e-mails and docs that
 * customers receive. Code blocks are never indented, so what is copied from them runs as is.
 */

const PROVIDER_NAMES = { aws: 'AWS', gcp: 'Google Cloud', azure: 'Azure' } as const;

/** A fence longer than any backtick run in the content, so a prefix containing ``` cannot close it. */
function fenced(content: string, lang: string): string {
  const longest = Math.max(0, ...[...content.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${content.replace(/\n$/, '')}\n${fence}`;
}

function formatStep(step: SetupStep, heading: string): string {
  const parts = [`${heading} ${step.title}`, '', step.description, ''];
  if (step.fileName) {
    parts.push(`Save as \`${step.fileName}\`:`, '', fenced(step.text, 'json'), '');
    if (step.apply) parts.push('Then run:', '', fenced(step.apply, 'sh'), '');
  } else {
    parts.push(fenced(step.text, 'sh'), '');
  }
  if (step.placeholders?.length) parts.push(`Fill in first: ${step.placeholders.join(', ')}.`, '');
  return parts.join('\n');
}

/** Readable text of a plan for people. `generateSetup` gives the same content as data. */
export function formatSetup(plan: SetupPlan): string {
  const out = [
    `# Setup for integration "${plan.integrationId}"`,
    '',
    `${PROVIDER_NAMES[plan.provider]} · ${plan.mode} · ${plan.authKind}`,
    '',
  ];
  if (plan.placeholders.length) out.push(`Before running anything, replace: ${plan.placeholders.join(', ')}.`, '');
  plan.steps.forEach((step, n) => out.push(formatStep(step, `## ${n + 1}.`)));
  if (plan.alternatives.length) {
    out.push('## Alternatives', '');
    for (const step of plan.alternatives) out.push(formatStep(step, '###'));
  }
  if (plan.notes.length) out.push('## Notes', '', ...plan.notes.map((note) => `- ${note}`), '');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
