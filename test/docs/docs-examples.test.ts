import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string): string => fs.readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('documentation examples are the code CI runs', () => {
  it('docs/testing.md embeds test/docs/testing-example.test.ts verbatim', () => {
    expect(read('docs/testing.md')).toContain(read('test/docs/testing-example.test.ts').trim());
  });
});
