import { GLOBAL_OPTIONS } from './args.js';
import type { CliCommand, CliOption } from './command.js';

const optionSyntax = (name: string, o: CliOption): string => `${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;

function optionTable(options: Record<string, CliOption>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [optionSyntax(name, o), o.description] as const);
  const width = Math.max(...rows.map(([syntax]) => syntax.length));
  return rows.map(([syntax, description]) => `  ${syntax.padEnd(width)}  ${description}`);
}

/** `presign <uri> [--ttl S] [--put]` */
export function commandSynopsis(command: CliCommand): string {
  const args = [...command.args.required.map((a) => `<${a}>`), ...(command.args.optional ?? []).map((a) => `[${a}]`)];
  const options = Object.entries(command.options ?? {}).map(([name, o]) => `[${optionSyntax(name, o)}]${o.multiple ? '...' : ''}`);
  return [command.name, ...args, ...options].join(' ');
}

/** The one line printed with a usage error. */
export function usageLine(command: CliCommand | undefined): string {
  return command ? `usage: assetlink ${commandSynopsis(command)} [--config FILE] [--json]` : 'usage: assetlink <command> [options]   (assetlink --help lists the commands)';
}

export function generalHelp(commands: readonly CliCommand[]): string {
  const synopses = commands.map((c) => [commandSynopsis(c), c.summary] as const);
  const width = Math.min(40, Math.max(...synopses.map(([s]) => s.length)));
  const lines = ['usage: assetlink <command> [options]', '', 'commands:'];
  for (const [synopsis, summary] of synopses) {
    if (synopsis.length > width) lines.push(`  ${synopsis}`, `  ${' '.repeat(width)}  ${summary}`);
    else lines.push(`  ${synopsis.padEnd(width)}  ${summary}`);
  }
  lines.push('', 'options:', ...optionTable(GLOBAL_OPTIONS), '', 'run `assetlink <command> --help` for the options of one command');
  return `${lines.join('\n')}\n`;
}

export function commandHelp(command: CliCommand): string {
  const lines = [`usage: assetlink ${commandSynopsis(command)} [options]`, '', command.summary];
  if (command.details) lines.push('', command.details);
  if (command.options && Object.keys(command.options).length > 0) lines.push('', 'options:', ...optionTable(command.options));
  lines.push('', 'global options:', ...optionTable(GLOBAL_OPTIONS));
  return `${lines.join('\n')}\n`;
}
