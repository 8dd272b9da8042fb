/**
 * A URL query read once: every parameter name with all its values, percent-decoded once. `+` is
 * a literal plus (RFC 3986; S3 version IDs contain it), not a space. A value whose escapes do not
 * decode is kept as `undefined`, so a caller that needs it can refuse it; a name that does not
 * decode can never be the name a caller looks for, so it is dropped.
 */
export type QueryParams = Map<string, Array<string | undefined>>;

const EMPTY: QueryParams = new Map();

export function readQuery(query: string): QueryParams {
  if (query === '') return EMPTY;
  const params: QueryParams = new Map();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
    if (name === undefined) continue;
    const value = eq === -1 ? '' : safeDecode(pair.slice(eq + 1));
    const values = params.get(name);
    if (values === undefined) params.set(name, [value]);
    else values.push(value);
  }
  return params;
}

function safeDecode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** The first value of `name` ('' when present without a value or with an undecodable one). */
export function first(params: QueryParams, name: string): string | undefined {
  const values = params.get(name);
  return values === undefined ? undefined : (values[0] ?? '');
}
