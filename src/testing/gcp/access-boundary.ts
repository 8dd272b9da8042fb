import type { AccessBoundaryRule, FakeGcpDirectory, StoragePermission } from './directory.js';

/**
 * Credential Access Boundary evaluation for the fake GCS. Real GCS evaluates full CEL; the fake
 * understands the subset Google documents for Cloud Storage downscoping, OR-ed together:
 *   resource.name.startsWith('projects/_/buckets/B/objects/P')
 *   api.getAttribute('storage.googleapis.com/objectListPrefix', '').startsWith('P')
 * Anything else is refused when the boundary is issued, so a test can never pass on a condition
 * the fake silently ignored.
 */

const RESOURCE_PREFIX = '//storage.googleapis.com/projects/_/buckets/';

type Term = { kind: 'resource-name'; prefix: string } | { kind: 'list-prefix'; prefix: string };

const QUOTED = String.raw`'((?:[^'\\]|\\.)*)'`;
const RESOURCE_TERM = new RegExp(String.raw`^resource\.name\.startsWith\(\s*${QUOTED}\s*\)$`);
const LIST_TERM = new RegExp(String.raw`^api\.getAttribute\(\s*'storage\.googleapis\.com/objectListPrefix'\s*,\s*''\s*\)\.startsWith\(\s*${QUOTED}\s*\)$`);

function unquote(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

/** Parses a condition; throws with a reason when it is outside the supported subset. */
export function parseCondition(expression: string): Term[] {
  return expression.split('||').map((raw) => {
    const term = raw.trim().replace(/^\((.*)\)$/, '$1').trim();
    const resource = RESOURCE_TERM.exec(term);
    if (resource) return { kind: 'resource-name', prefix: unquote(resource[1]!) };
    const list = LIST_TERM.exec(term);
    if (list) return { kind: 'list-prefix', prefix: unquote(list[1]!) };
    throw new Error(`unsupported availabilityCondition term: ${term}`);
  });
}

/** Validates one boundary as STS would; returns an error message or undefined. */
export function validateBoundary(rules: unknown, directory: FakeGcpDirectory): string | undefined {
  if (!Array.isArray(rules) || rules.length === 0) return 'accessBoundaryRules must be a non-empty list';
  if (rules.length > 10) return 'at most 10 access boundary rules';
  for (const rule of rules as AccessBoundaryRule[]) {
    if (typeof rule?.availableResource !== 'string' || !rule.availableResource.startsWith(RESOURCE_PREFIX)) {
      return `availableResource must name a bucket as ${RESOURCE_PREFIX}BUCKET`;
    }
    if (!Array.isArray(rule.availablePermissions) || rule.availablePermissions.length === 0) return 'availablePermissions is required';
    for (const p of rule.availablePermissions) {
      if (typeof p !== 'string' || !p.startsWith('inRole:') || directory.permissionsOf(p.slice(7)).length === 0) {
        return `availablePermissions entries must be inRole:<known role>, got ${String(p)}`;
      }
    }
    if (rule.availabilityCondition !== undefined) {
      try { parseCondition(rule.availabilityCondition.expression); } catch (e) { return (e as Error).message; }
    }
  }
  return undefined;
}

export interface StorageOperation {
  bucket: string;
  permission: StoragePermission;
  /** Object the operation touches (get/create/delete). */
  object?: string;
  /** Prefix of a list operation. */
  listPrefix?: string;
}

function ruleAllows(rule: AccessBoundaryRule, op: StorageOperation, directory: FakeGcpDirectory): boolean {
  if (rule.availableResource !== `${RESOURCE_PREFIX}${op.bucket}`) return false;
  const granted = rule.availablePermissions.some((p) => directory.permissionsOf(p.slice('inRole:'.length)).includes(op.permission));
  if (!granted) return false;
  if (!rule.availabilityCondition) return true;
  const resourceName = op.object !== undefined ? `projects/_/buckets/${op.bucket}/objects/${op.object}` : `projects/_/buckets/${op.bucket}`;
  return parseCondition(rule.availabilityCondition.expression).some((term) =>
    term.kind === 'resource-name'
      ? resourceName.startsWith(term.prefix)
      : op.permission === 'storage.objects.list' && (op.listPrefix ?? '').startsWith(term.prefix));
}

/** Every boundary the token went through must allow the operation. */
export function boundariesAllow(boundaries: AccessBoundaryRule[][] | undefined, op: StorageOperation, directory: FakeGcpDirectory): boolean {
  return (boundaries ?? []).every((rules) => rules.some((rule) => ruleAllows(rule, op, directory)));
}
