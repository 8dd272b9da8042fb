import { S3Error, invalidRequest } from './s3-errors.js';
import { emptyResponse, xmlResponse, type S3Context, type S3Request, type S3Response } from './s3-request.js';
import type { BucketState, FakeCorsRule } from './s3-store.js';
import { child, children, childText, parseXml, tag, wrap, xmlDocument } from './s3-xml.js';

/**
 * Browser CORS the way S3 does it: preflights (OPTIONS, never signed) are answered from the
 * bucket's rules — the first rule whose origin, method and every requested header match — and
 * refused with 403 otherwise; actual requests from a matching origin get the rule's
 * Access-Control-* headers, errors included, so a browser can read S3's answer.
 */

const VARY = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';
const METHODS = new Set(['GET', 'PUT', 'HEAD', 'POST', 'DELETE']);

/** S3 CORS wildcards: at most one `*` standing for any run of characters. */
function wildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const p = caseInsensitive ? pattern.toLowerCase() : pattern;
  const v = caseInsensitive ? value.toLowerCase() : value;
  const star = p.indexOf('*');
  if (star < 0) return p === v;
  const head = p.slice(0, star);
  const tail = p.slice(star + 1);
  return v.length >= head.length + tail.length && v.startsWith(head) && v.endsWith(tail);
}

function matchRule(rules: readonly FakeCorsRule[], origin: string, method: string, requestHeaders: readonly string[]): { rule: FakeCorsRule; anyOrigin: boolean } | undefined {
  for (const rule of rules) {
    const originPattern = rule.allowedOrigins.find((o) => wildcard(o, origin, false));
    if (originPattern === undefined || !rule.allowedMethods.includes(method)) continue;
    if (!requestHeaders.every((h) => (rule.allowedHeaders ?? []).some((a) => wildcard(a, h, true)))) continue;
    return { rule, anyOrigin: originPattern === '*' };
  }
  return undefined;
}

function allowHeaders(match: { rule: FakeCorsRule; anyOrigin: boolean }, origin: string): Record<string, string> {
  const { rule, anyOrigin } = match;
  return {
    'access-control-allow-origin': anyOrigin ? '*' : origin,
    'access-control-allow-methods': rule.allowedMethods.join(', '),
    ...(rule.exposeHeaders?.length ? { 'access-control-expose-headers': rule.exposeHeaders.join(', ') } : {}),
    ...(rule.maxAgeSeconds !== undefined ? { 'access-control-max-age': String(rule.maxAgeSeconds) } : {}),
    ...(anyOrigin ? {} : { 'access-control-allow-credentials': 'true' }),
    vary: VARY,
  };
}

/** Answers an OPTIONS preflight. */
export function preflight(bucket: BucketState | undefined, req: S3Request): S3Response {
  const origin = req.header('origin');
  if (origin === undefined) throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
  const method = req.header('access-control-request-method');
  if (method === undefined) throw new S3Error(400, 'BadRequest', 'Invalid Access-Control-Request-Method: null');
  const rules = bucket?.spec.cors;
  if (!rules || rules.length === 0) throw new S3Error(403, 'AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.');
  const requested = (req.header('access-control-request-headers') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  const match = matchRule(rules, origin, method, requested);
  if (!match) {
    throw new S3Error(403, 'AccessForbidden', "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  }
  return emptyResponse(200, { ...allowHeaders(match, origin), ...(requested.length > 0 ? { 'access-control-allow-headers': requested.join(', ') } : {}) });
}

/** CORS headers for an actual (non-preflight) request; empty when it has no Origin or no rule matches. */
export function corsHeaders(bucket: BucketState | undefined, req: S3Request): Record<string, string> {
  const origin = req.header('origin');
  const rules = bucket?.spec.cors;
  if (origin === undefined || !rules) return {};
  const match = matchRule(rules, origin, req.method, []);
  return match ? allowHeaders(match, origin) : {};
}

export function getBucketCors(ctx: S3Context): S3Response {
  const rules = ctx.bucket.spec.cors;
  if (!rules || rules.length === 0) throw new S3Error(404, 'NoSuchCORSConfiguration', 'The CORS configuration does not exist', {}, { BucketName: ctx.bucket.name });
  const list = (name: string, values: readonly string[] | undefined): string => (values ?? []).map((v) => tag(name, v)).join('');
  return xmlResponse(200, xmlDocument('CORSConfiguration', rules.map((r) => wrap('CORSRule', tag('ID', r.id) + list('AllowedHeader', r.allowedHeaders)
    + list('AllowedMethod', r.allowedMethods) + list('AllowedOrigin', r.allowedOrigins) + list('ExposeHeader', r.exposeHeaders)
    + tag('MaxAgeSeconds', r.maxAgeSeconds))).join('')));
}

export function putBucketCors(ctx: S3Context): S3Response {
  const doc = parseXml(ctx.req.body.toString('utf8'));
  const malformed = (): S3Error => new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  if (doc.name !== 'CORSConfiguration') throw malformed();
  const rules = children(doc, 'CORSRule').map((r): FakeCorsRule => {
    const texts = (name: string): string[] => children(r, name).map((c) => c.text.trim());
    const rule: FakeCorsRule = { allowedOrigins: texts('AllowedOrigin'), allowedMethods: texts('AllowedMethod') };
    if (rule.allowedOrigins.length === 0 || rule.allowedMethods.length === 0) throw malformed();
    for (const m of rule.allowedMethods) if (!METHODS.has(m)) throw invalidRequest(`Found unsupported HTTP method in CORS config. Unsupported method is ${m}`);
    const allowed = texts('AllowedHeader');
    if (allowed.length > 0) rule.allowedHeaders = allowed;
    const exposed = texts('ExposeHeader');
    if (exposed.length > 0) rule.exposeHeaders = exposed;
    const maxAge = childText(r, 'MaxAgeSeconds');
    if (maxAge !== undefined) rule.maxAgeSeconds = Number(maxAge);
    if (child(r, 'ID')) rule.id = childText(r, 'ID') ?? '';
    return rule;
  });
  if (rules.length === 0 || rules.length > 100) throw malformed();
  ctx.bucket.spec.cors = rules;
  return emptyResponse(200);
}

export function deleteBucketCors(ctx: S3Context): S3Response {
  delete ctx.bucket.spec.cors;
  return emptyResponse(204);
}
