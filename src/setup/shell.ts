/**
 * POSIX shell text for copy-paste commands. Every interpolated value goes through `shellQuote`,
 * so a prefix such as `it's $(rm -rf ~)` reaches the CLI as one literal argument: nothing a
 * customer's bucket, prefix or ID contains can start a substitution or a second command.
 */

/** Characters that mean nothing to sh/bash/zsh in an argument; anything else is quoted. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word: left bare when it is plainly safe, else single-quoted (`'` written as `'\''`). */
export function shellQuote(value: string): string {
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Shell text we wrote ourselves (e.g. `"$VAR"`), inserted without quoting. */
export interface RawWord { raw: string }

/** A flag and its value: one word, several words (`--methods GET HEAD`), our own raw text, or none (a switch). */
export type ShellFlag = readonly [flag: string, value?: string | readonly string[] | RawWord];

const word = (value: string | RawWord): string => (typeof value === 'string' ? shellQuote(value) : value.raw);

/**
 * A command as readable multi-line text: the program and positional words on the first line,
 * one flag per continuation line (`oneLine` for comments). Program words and flag names are
 * literals of ours; positional words and values are quoted. `equals` writes `--flag=value`
 * (gcloud style) instead of `--flag value`.
 */
export function shellCommand(
  program: readonly string[],
  positional: readonly string[],
  flags: readonly ShellFlag[],
  style: { equals?: boolean; oneLine?: boolean } = {},
): string {
  const head = [...program, ...positional.map(shellQuote)].join(' ');
  const lines = flags.map(([flag, value]) => {
    if (value === undefined) return flag;
    if (!Array.isArray(value)) return style.equals ? `${flag}=${word(value as string | RawWord)}` : `${flag} ${word(value as string | RawWord)}`;
    return `${flag} ${(value as readonly string[]).map(shellQuote).join(' ')}`;
  });
  return [head, ...lines].join(style.oneLine ? ' ' : ' \\\n  ');
}

const HEREDOC_END = 'ASSETLINK_EOF';

/**
 * Writes `content` to `fileName` with a quoted here-document: the shell expands nothing inside
 * it, so JSON can carry any character. JSON never has a line that is just the terminator, but
 * that is checked rather than assumed.
 */
export function heredocFile(fileName: string, content: string): string {
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  if (body.split('\n').includes(HEREDOC_END)) throw new Error(`here-document body contains its terminator ${HEREDOC_END}`);
  return `cat > ${shellQuote(fileName)} <<'${HEREDOC_END}'\n${body}\n${HEREDOC_END}`;
}

/**
 * Sets shell variable `name` to `content` through a quoted here-document, so long values that
 * are full of quotes (Azure conditions) stay readable; use it as `"$NAME"`. Command substitution
 * drops the final newline only.
 */
export function heredocVariable(name: string, content: string): string {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`bad shell variable name ${name}`);
  const body = content.endsWith('\n') ? content.slice(0, -1) : content;
  if (body.split('\n').includes(HEREDOC_END)) throw new Error(`here-document body contains its terminator ${HEREDOC_END}`);
  return `${name}=$(cat <<'${HEREDOC_END}'\n${body}\n${HEREDOC_END}\n)`;
}

/** A shell comment line; newlines in the text cannot end the comment early. */
export function shellComment(text: string): string {
  return text.split('\n').map((line) => `# ${line}`).join('\n');
}
