import type { SetupPlan, SetupStep } from './types.js';

/** What a provider generator returns; `generateSetup` adds the plan-wide placeholder list. */
export type DraftPlan = Omit<SetupPlan, 'placeholders'>;

/** JSON as customers paste it: two-space indent, trailing newline. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** A step whose text is its JSON document, saved as `fileName` and applied with `apply`. */
export function documentStep(step: Omit<SetupStep, 'text'> & { document: unknown }): SetupStep {
  return { ...step, text: prettyJson(step.document) };
}

/**
 * Placeholders the generator had to leave (`<subscription-id>` ...). Recorded where they are
 * chosen, never scraped from the text: a prefix may itself contain `<...>`.
 */
export class Placeholders {
  readonly #used = new Set<string>();

  /** The given value, or the placeholder (recorded) when the caller did not give one. */
  valueOr(value: string | undefined, placeholder: string): string {
    if (value !== undefined && value !== '') return value;
    this.#used.add(placeholder);
    return placeholder;
  }

  list(): string[] {
    return [...this.#used];
  }
}

/** Name fragment from an integration id for IAM policy / role / credential names (`[A-Za-z0-9-]`). */
export function nameFragment(integrationId: string): string {
  return integrationId.replace(/[^A-Za-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'integration';
}
