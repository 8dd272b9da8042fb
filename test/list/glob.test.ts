import { describe, expect, it } from 'vitest';
import { compileGlob, compileMatch, compileRegExp } from '../../src/list/glob.js';
import { failure } from '../helpers/failure.js';

const rows: Array<[glob: string, matches: string[], misses: string[], literal: string]> = [
  ['*.jpg', ['a.jpg', '.jpg', 'caf\u00e9.jpg'], ['a/b.jpg', 'a.jpeg', 'a.JPG'], ''],
  ['**/*.jpg', ['a.jpg', 'x/a.jpg', 'x/y/z/a.jpg'], ['a.png', 'x/a.jpg/y'], ''],
  ['**/*.{jpg,png}', ['a.jpg', 'd/b.png'], ['c.gif', 'd/b.pngx'], ''],
  ['2024/**/*.json', ['2024/a.json', '2024/m/d/a.json'], ['2023/a.json', '2024.json', 'x/2024/a.json'], '2024/'],
  ['train/**', ['train/a', 'train/x/y'], ['train', 'training/a'], 'train/'],
  ['**', ['a', 'a/b/c', ''], [], ''],
  ['img-??.png', ['img-01.png', 'img-\u{1F600}x.png'], ['img-1.png', 'img-0/1.png'], 'img-'],
  ['[a-c]*.txt', ['a.txt', 'b1.txt'], ['d.txt', '/.txt'], ''],
  ['[!a-c]*.txt', ['d.txt'], ['a.txt', '/x.txt'], ''],
  ['{a,b/{c,d}}/*', ['a/x', 'b/c/x', 'b/d/y'], ['b/x', 'c/x', 'b/e/x'], ''],
  ['a\\*b', ['a*b'], ['axb'], 'a*b'],
  ['photos/2024-*', ['photos/2024-01.jpg'], ['photos/2023-01.jpg', 'photos/2024-01/x.jpg'], 'photos/2024-'],
  ['a(b)+[c].d', ['a(b)+c.d'], ['abc.d'], 'a(b)+'],
];

describe('glob matching on the key below the listed folder', () => {
  it.each(rows)('%s', (glob, matches, misses, literal) => {
    const matcher = compileGlob(glob);
    for (const key of matches) expect(matcher.test(key), `${glob} should match ${key}`).toBe(true);
    for (const key of misses) expect(matcher.test(key), `${glob} should not match ${key}`).toBe(false);
    expect(matcher.literalPrefix).toBe(literal);
    // The pushed-down prefix never excludes a key the glob matches.
    for (const key of matches) expect(key.startsWith(matcher.literalPrefix)).toBe(true);
  });

  it.each([
    ['', /is empty/],
    ['/images/*.jpg', /starts with "\/".*write "images\/\*\.jpg"/],
    ['a**', /inside a path segment/],
    ['**a/b', /inside a path segment/],
    ['***/x', /use "\*"/],
    ['{jpg,png', /unclosed "\{"/],
    ['{jpg}', /single alternative/],
    ['jpg}', /"}" without "{"/],
    ['[abc', /unclosed "\["/],
    ['[z-a]', /end comes before its start/],
    ['[a/b]', /"\/" inside/],
    ['a\\', /lone "\\"/],
  ])('refuses %j with a message saying what to write', async (glob, message) => {
    const error = await failure(Promise.resolve().then(() => compileGlob(glob)));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('takes RegExps as they are, minus the stateful g and y flags, pushing down a literal ^prefix', () => {
    const global = compileRegExp(/\.jpg$/g);
    expect([global.test('a.jpg'), global.test('b.jpg'), global.test('c.jpg')]).toEqual([true, true, true]);
    expect(compileRegExp(/^2024\/0[1-3]\//).literalPrefix).toBe('2024/0');
    expect(compileRegExp(/^2024\/x?y/).literalPrefix).toBe('2024/');
    expect(compileRegExp(/^ab{2}/).literalPrefix).toBe('a');
    expect(compileRegExp(/^a|b/).literalPrefix).toBe('');
    expect(compileRegExp(/^abc/i).literalPrefix).toBe('');
    expect(compileRegExp(/^a\d/).literalPrefix).toBe('a');
    expect(compileRegExp(/^a\.b/).literalPrefix).toBe('a.b');
    expect(compileRegExp(/abc/).literalPrefix).toBe('');
    expect(compileRegExp(/^(x|y)z/).literalPrefix).toBe('');
  });

  it('refuses a match that is neither a glob nor a RegExp', async () => {
    expect((await failure(Promise.resolve().then(() => compileMatch(42)))).message).toMatch(/glob string .* or a RegExp/);
    expect(compileMatch(undefined)).toBeUndefined();
  });
});
