import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string): string => fs.readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');

describe('docs/listing.md', () => {
  it('embeds test/docs/listing-example.test.ts verbatim, so the recipe is the code CI runs', () => {
    expect(read('docs/listing.md')).toContain(read('test/docs/listing-example.test.ts').trim());
  });
});
