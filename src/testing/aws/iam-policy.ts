/**
 * A deliberately small IAM policy evaluator, enough to prove that the session policies assetlink
 * writes really confine the credentials: Allow/Deny statements, Action and Resource with `*`/`?`
 * wildcards, the literal escapes `${*}` `${?}` `${$}`, and the condition operators String*, Arn*,
 * Numeric*, Bool and Null (with `…IfExists` variants); condition keys are case-insensitive.
 * Anything else is refused when the policy is parsed (STS answers MalformedPolicyDocument, S3
 * MalformedPolicy) rather than silently ignored — an ignored element could only widen access.
 */

export type ConditionValue = string | boolean | number;
export type ConditionValues = Record<string, ConditionValue | ConditionValue[]>;

/** One statement of an IAM policy (Effect, Action/NotAction, Resource/NotResource, Condition). */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, ConditionValues>;
}

/** An IAM identity or session policy. */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** What one request asks for, in IAM terms. */
export interface AuthorizationRequest {
  /** e.g. `s3:GetObject`. */
  action: string;
  /** e.g. `arn:aws:s3:::bucket/key`. */
  resource: string;
  /** Condition keys present for this request (`s3:prefix`, …). Absent keys fail positive conditions. */
  context?: Record<string, string | undefined>;
}

/** Outcome of an IAM evaluation, as AWS distinguishes it. */
export type Decision = 'allow' | 'explicit-deny' | 'implicit-deny';

/** A policy document the fake cannot evaluate (AWS would refuse it as MalformedPolicyDocument). */
export class PolicyParseError extends Error {
  override name = 'PolicyParseError';
}

const SUPPORTED_STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);
const BASE_OPERATORS = [
  'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
  'ArnEquals', 'ArnNotEquals', 'ArnLike', 'ArnNotLike',
  'NumericEquals', 'NumericNotEquals', 'NumericLessThan', 'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals',
  'Bool',
];
const SUPPORTED_OPERATORS = new Set([...BASE_OPERATORS, ...BASE_OPERATORS.map((o) => `${o}IfExists`), 'Null']);

/** Parses and validates a policy document, refusing elements this evaluator does not understand. */
export function parsePolicyDocument(json: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new PolicyParseError('policy is not valid JSON');
  }
  validatePolicyDocument(parsed);
  return parsed;
}

export function validatePolicyDocument(value: unknown): asserts value is PolicyDocument {
  if (typeof value !== 'object' || value === null) throw new PolicyParseError('policy must be an object');
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc)) {
    if (key !== 'Version' && key !== 'Statement' && key !== 'Id') throw new PolicyParseError(`unsupported policy element ${key}`);
  }
  if (doc.Version !== undefined && doc.Version !== '2012-10-17') throw new PolicyParseError('Version must be 2012-10-17');
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0) throw new PolicyParseError('policy has no statements');
  for (const raw of statements) {
    if (typeof raw !== 'object' || raw === null) throw new PolicyParseError('statement must be an object');
    const statement = raw as Record<string, unknown>;
    for (const key of Object.keys(statement)) {
      if (!SUPPORTED_STATEMENT_KEYS.has(key)) throw new PolicyParseError(`unsupported statement element ${key}`);
    }
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') throw new PolicyParseError('Effect must be Allow or Deny');
    requireStrings(statement.Action, 'Action');
    requireStrings(statement.Resource, 'Resource');
    if (statement.Condition !== undefined) {
      if (typeof statement.Condition !== 'object' || statement.Condition === null) throw new PolicyParseError('Condition must be an object');
      for (const [operator, values] of Object.entries(statement.Condition)) {
        if (!SUPPORTED_OPERATORS.has(operator)) throw new PolicyParseError(`unsupported condition operator ${operator}`);
        if (typeof values !== 'object' || values === null) throw new PolicyParseError(`${operator} must map keys to values`);
        for (const [key, v] of Object.entries(values)) requireConditionValues(v, `${operator}.${key}`);
      }
    }
  }
}

function requireStrings(value: unknown, what: string): void {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    throw new PolicyParseError(`${what} must be a non-empty string or array of strings`);
  }
}

function requireConditionValues(value: unknown, what: string): void {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v) => (typeof v === 'string' && v.length > 0) || typeof v === 'boolean' || typeof v === 'number')) {
    throw new PolicyParseError(`${what} must be a non-empty string, boolean or number, or an array of them`);
  }
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
export const statementsOf = (doc: PolicyDocument): PolicyStatement[] => (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]);

/** Evaluates one document: explicit Deny wins, then any Allow, else implicit deny. */
export function evaluatePolicy(doc: PolicyDocument, request: AuthorizationRequest): Decision {
  let allowed = false;
  for (const statement of statementsOf(doc)) {
    if (!statementApplies(statement, request)) continue;
    if (statement.Effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}

/** Every document must allow (identity policy ∩ session policy); an empty list allows everything. */
export function evaluatePolicies(docs: readonly PolicyDocument[], request: AuthorizationRequest): Decision {
  let decision: Decision = 'allow';
  for (const doc of docs) {
    const result = evaluatePolicy(doc, request);
    if (result === 'explicit-deny') return result;
    if (result === 'implicit-deny') decision = 'implicit-deny';
  }
  return decision;
}

function statementApplies(statement: PolicyStatement, request: AuthorizationRequest): boolean {
  if (!asList(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true))) return false;
  if (!asList(statement.Resource).some((pattern) => wildcardMatch(pattern, request.resource, false))) return false;
  for (const [operator, values] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(values)) {
      if (!conditionHolds(operator, contextValue(request, key), asList(expected).map(String))) return false;
    }
  }
  return true;
}

/** Condition keys are case-insensitive in IAM. */
function contextValue(request: AuthorizationRequest, key: string): string | undefined {
  const context = request.context;
  if (!context) return undefined;
  if (key in context) return context[key];
  const lower = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) if (name.toLowerCase() === lower) return value;
  return undefined;
}

function numeric(text: string): number | undefined {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

function conditionHolds(operator: string, actual: string | undefined, expected: string[]): boolean {
  if (operator === 'Null') {
    // "Null": true holds when the key is absent; false when it is present.
    return expected.some((e) => (e.toLowerCase() === 'true') === (actual === undefined));
  }
  const ifExists = operator.endsWith('IfExists');
  if (ifExists && actual === undefined) return true;
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const negated = base.includes('Not');
  // A missing key never matches; the negated operators then hold (as IAM evaluates them).
  if (actual === undefined) return negated;
  const value = actual;
  const any = (test: (e: string) => boolean): boolean => expected.some(test);
  switch (base) {
    case 'StringEquals': case 'ArnEquals': return any((e) => literal(e) === value);
    case 'StringNotEquals': case 'ArnNotEquals': return !any((e) => literal(e) === value);
    case 'StringEqualsIgnoreCase': return any((e) => literal(e)?.toLowerCase() === value.toLowerCase());
    case 'StringNotEqualsIgnoreCase': return !any((e) => literal(e)?.toLowerCase() === value.toLowerCase());
    case 'StringLike': case 'ArnLike': return any((e) => wildcardMatch(e, value, false));
    case 'StringNotLike': case 'ArnNotLike': return !any((e) => wildcardMatch(e, value, false));
    case 'Bool': return any((e) => e.toLowerCase() === value.toLowerCase());
    default: {
      const n = numeric(value);
      if (n === undefined) return false;
      const compare = (e: string, test: (x: number) => boolean): boolean => { const x = numeric(e); return x !== undefined && test(x); };
      switch (base) {
        case 'NumericEquals': return any((e) => compare(e, (x) => n === x));
        case 'NumericNotEquals': return !any((e) => compare(e, (x) => n === x));
        case 'NumericLessThan': return any((e) => compare(e, (x) => n < x));
        case 'NumericLessThanEquals': return any((e) => compare(e, (x) => n <= x));
        case 'NumericGreaterThan': return any((e) => compare(e, (x) => n > x));
        case 'NumericGreaterThanEquals': return any((e) => compare(e, (x) => n >= x));
        default: return false;
      }
    }
  }
}

/** `${*}`, `${?}`, `${$}` are IAM's literal escapes; other policy variables are not modelled. */
const TOKEN = /\$\{([*?$])\}|\$\{[^}]*\}|[*?]|[^*?$]+|\$/g;

function literal(pattern: string): string | undefined {
  let out = '';
  for (const match of pattern.matchAll(TOKEN)) {
    const token = match[0];
    if (match[1] !== undefined) out += match[1];
    else if (token.startsWith('${')) return undefined; // unresolvable variable: never equal
    else out += token;
  }
  return out;
}

const regexCache = new Map<string, RegExp | null>();

/** IAM wildcard match: `*` any run (including `/`), `?` one character, escapes taken literally. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const cacheKey = `${caseInsensitive ? 'i' : 's'}${pattern}`;
  let regex = regexCache.get(cacheKey);
  if (regex === undefined) {
    let source = '^';
    let resolvable = true;
    for (const match of pattern.matchAll(TOKEN)) {
      const token = match[0];
      if (match[1] !== undefined) source += escapeRegex(match[1]);
      else if (token.startsWith('${')) resolvable = false;
      else if (token === '*') source += '[\\s\\S]*';
      else if (token === '?') source += '[\\s\\S]';
      else source += escapeRegex(token);
    }
    regex = resolvable ? new RegExp(`${source}$`, caseInsensitive ? 'iu' : 'u') : null;
    if (regexCache.size > 5_000) regexCache.clear();
    regexCache.set(cacheKey, regex);
  }
  return regex !== null && regex.test(value);
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A bucket-policy statement: a policy statement plus the principals it applies to. */
export interface ResourcePolicyStatement extends PolicyStatement {
  /** `'*'`, or AWS principals: account ids, `arn:aws:iam::ACCOUNT:root`, user/role/assumed-role ARNs. */
  Principal: '*' | { AWS: string | string[] };
}

/** A resource policy (bucket or access point policy): statements name a Principal. */
export interface ResourcePolicyDocument {
  Version?: string;
  Statement: ResourcePolicyStatement[];
}

/** Who is asking, for matching a resource policy's Principal. */
export interface CallerIdentity { accountId: string; principalArn: string }

function principalMatches(principal: ResourcePolicyStatement['Principal'], caller: CallerIdentity): boolean {
  if (principal === '*') return true;
  const roleOfSession = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(caller.principalArn);
  // The account root in the caller's own partition: arn:aws:iam::A:root never names an aws-cn caller.
  const partition = /^arn:(aws[\w-]*):/.exec(caller.principalArn)?.[1] ?? 'aws';
  return asList(principal.AWS).some((p) =>
    p === '*'
    || p === caller.accountId
    || p === `arn:${partition}:iam::${caller.accountId}:root`
    || p === caller.principalArn
    // A bucket policy naming a role covers every session of that role.
    || (roleOfSession !== null && p === `arn:${roleOfSession[1]}:iam::${roleOfSession[2]}:role/${roleOfSession[3]}`));
}

/** Validates a bucket (or access point) policy: a policy document whose statements each name a Principal. */
export function validateResourcePolicyDocument(value: unknown): asserts value is ResourcePolicyDocument {
  if (typeof value !== 'object' || value === null) throw new PolicyParseError('policy must be an object');
  const doc = value as Record<string, unknown>;
  if (doc.Version === '2008-10-17') doc.Version = '2012-10-17';
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  const stripped = statements.map((raw) => {
    if (typeof raw !== 'object' || raw === null) throw new PolicyParseError('statement must be an object');
    const { Principal, ...rest } = raw as Record<string, unknown>;
    const principalOk = Principal === '*' || (typeof Principal === 'object' && Principal !== null
      && Object.keys(Principal).length === 1 && 'AWS' in Principal
      && asList((Principal as { AWS: unknown }).AWS).every((p) => typeof p === 'string' && p.length > 0));
    if (!principalOk) throw new PolicyParseError('every statement needs a Principal of "*" or { "AWS": … }');
    return rest;
  });
  validatePolicyDocument({ ...doc, Statement: stripped });
  doc.Statement = statements;
}

/** Evaluates the statements of a resource policy that name `caller`. */
export function evaluateResourcePolicy(doc: ResourcePolicyDocument, caller: CallerIdentity, request: AuthorizationRequest): Decision {
  const statements = doc.Statement.filter((s) => principalMatches(s.Principal, caller));
  if (statements.length === 0) return 'implicit-deny';
  return evaluatePolicy({ Statement: statements }, request);
}
