import { InvalidIntegrationError } from '../errors.js';
import type { Mode } from '../types.js';

/**
 * A shared access signature a customer issued for an integration (`auth: { kind: 'sas', sasToken }`):
 * a container SAS (`sr=c`, service or user delegation) or an account SAS (`ss`/`srt`). assetlink
 * cannot mint anything narrower from it (a SAS is signed with a key assetlink never sees), so it
 * reads what the token grants, refuses a token that cannot serve the integration, and uses it as
 * is — only for the operations its permissions allow and the integration's mode permits.
 *
 * The token is a secret (its `sig` is a bearer credential): this object prints, inspects and
 * serialises without it; only `query` hands it out, to put on a request URL.
 */

/** What one assetlink operation needs from the SAS. */
export type SasOperation = 'read' | 'list' | 'write' | 'create' | 'delete' | 'service-properties';

/** Service (container) SAS permission letters, in the order Azure requires them. */
const CONTAINER_PERMISSIONS = 'racwdxyltmeopif';
/** Account SAS permission letters. */
const ACCOUNT_PERMISSIONS = 'rwdxylacuptfi';
/** Letters that let the bearer change data (anything beyond read and list). */
const WRITE_LETTERS = new Set(['a', 'c', 'w', 'd', 'x', 'y', 't', 'm', 'e', 'o', 'p', 'i', 'u', 'f']);

const NEEDS: Record<SasOperation, { letters: string[]; resourceType?: 's' | 'c' | 'o' }> = {
  read: { letters: ['r'], resourceType: 'o' },
  list: { letters: ['l'], resourceType: 'c' },
  write: { letters: ['w'], resourceType: 'o' },
  create: { letters: ['c', 'w'], resourceType: 'o' },
  delete: { letters: ['d'], resourceType: 'o' },
  'service-properties': { letters: ['r'], resourceType: 's' },
};

const DESCRIBE: Record<SasOperation, string> = {
  read: 'read blobs (sp needs "r")',
  list: 'list blobs (sp needs "l")',
  write: 'write blobs (sp needs "w")',
  create: 'create blobs (sp needs "c" or "w")',
  delete: 'delete blobs (sp needs "d")',
  'service-properties': 'read the account\'s service properties (an account SAS with srt "s" and sp "r")',
};

export interface ParsedSas {
  /** `container` for `sr=c`, `account` for an account SAS. */
  readonly resource: 'container' | 'account';
  /** Permission letters (`sp`). */
  readonly permissions: ReadonlySet<string>;
  /** Account SAS resource types (`srt`): s, c, o. Empty for a container SAS. */
  readonly resourceTypes: ReadonlySet<string>;
  /** Signed version (`sv`). */
  readonly version: string;
  /** When the SAS stops working: `se`, or the delegation key's `ske` when earlier. */
  readonly expiresOn: Date;
  /** `st`, when given. */
  readonly startsOn: Date | undefined;
  /** Signed by a user delegation key (`skoid` … `ske`) rather than an account key. */
  readonly userDelegation: boolean;
}

const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };

/** Parses an ISO 8601 SAS time (`2026-12-31`, `2026-12-31T23:59:59Z`, with or without fraction). */
function sasTime(value: string, field: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?Z)?$/.test(value)) {
    return fail('auth.sasToken', `its "${field}" is not an ISO 8601 UTC time (e.g. 2026-12-31T23:59:59Z)`);
  }
  const date = new Date(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) fail('auth.sasToken', `its "${field}" is not a valid time`);
  return date;
}

function letters(value: string, alphabet: string, field: string, kind: string): Set<string> {
  const set = new Set<string>();
  for (const c of value) {
    if (!alphabet.includes(c)) fail('auth.sasToken', `its "${field}" has "${c}", which is not a ${kind} letter (${alphabet})`);
    set.add(c);
  }
  return set;
}

/**
 * Reads a customer's SAS token (no leading `?` needed) and checks its shape. Never echoes the
 * token or its signature in an error: messages name only the fields at fault.
 */
export function parseSasToken(token: string): ParsedSas {
  const raw = token.trim().replace(/^\?/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) fail('auth.sasToken', 'is a URL: give only the SAS token (the part after "?", starting with "sv=")');
  if (/[\s#]/.test(raw) || !raw.includes('=')) fail('auth.sasToken', 'is not a SAS token (expected "sv=...&sp=...&se=...&sig=...")');
  const params = new URLSearchParams(raw);
  for (const name of new Set(params.keys())) if (params.getAll(name).length > 1) fail('auth.sasToken', `repeats the "${name}" field`);
  const get = (name: string): string | undefined => params.get(name) ?? undefined;
  if (!get('sig')) fail('auth.sasToken', 'has no signature ("sig"): copy the whole SAS token');
  const version = get('sv') ?? fail('auth.sasToken', 'has no signed version ("sv")');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(version)) fail('auth.sasToken', 'its "sv" is not a service version such as 2022-11-02');
  const sp = get('sp') ?? fail('auth.sasToken', 'has no permissions ("sp")');
  const se = get('se') ?? fail('auth.sasToken', 'has no expiry ("se"): Azure requires one unless a stored access policy is used, which assetlink does not support');
  const sr = get('sr');
  const ss = get('ss');
  const srt = get('srt');

  let resource: ParsedSas['resource'];
  let permissions: Set<string>;
  let resourceTypes = new Set<string>();
  if (sr !== undefined) {
    if (ss !== undefined || srt !== undefined) fail('auth.sasToken', 'has both "sr" (service SAS) and "ss"/"srt" (account SAS)');
    if (sr === 'b' || sr === 'bs' || sr === 'bv') fail('auth.sasToken', `is a blob SAS (sr=${sr}): it covers one blob, not an integration's container or prefix; issue a container SAS (sr=c) or an account SAS`);
    if (sr === 'd') fail('auth.sasToken', 'is a directory SAS (sr=d): the directory it covers is not written in the token, so it cannot be checked against scope.prefix; issue a container SAS (sr=c)');
    if (sr !== 'c') fail('auth.sasToken', `has an unknown signed resource "sr=${sr}" (expected "c" for a container SAS)`);
    resource = 'container';
    permissions = letters(sp, CONTAINER_PERMISSIONS, 'sp', 'container SAS permission');
  } else {
    if (ss === undefined || srt === undefined) fail('auth.sasToken', 'has neither "sr" (container SAS) nor "ss" and "srt" (account SAS)');
    if (!ss!.includes('b')) fail('auth.sasToken', `is an account SAS for services "${ss}" without "b" (Blob)`);
    resourceTypes = letters(srt!, 'sco', 'srt', 'resource type');
    if (!resourceTypes.has('o')) fail('auth.sasToken', 'is an account SAS without resource type "o" (objects): it cannot read or write blobs');
    resource = 'account';
    permissions = letters(sp, ACCOUNT_PERMISSIONS, 'sp', 'account SAS permission');
  }
  if (get('spr') !== undefined && !get('spr')!.split(',').includes('https')) fail('auth.sasToken', 'its "spr" does not allow https');

  let expiresOn = sasTime(se, 'se');
  const st = get('st');
  const startsOn = st !== undefined ? sasTime(st, 'st') : undefined;
  if (startsOn && startsOn.getTime() >= expiresOn.getTime()) fail('auth.sasToken', 'its start ("st") is not before its expiry ("se")');
  const userDelegation = params.has('skoid') || params.has('ske');
  if (userDelegation) {
    if (resource !== 'container') fail('auth.sasToken', 'mixes user delegation fields with an account SAS');
    const ske = sasTime(get('ske') ?? fail('auth.sasToken', 'is a user delegation SAS without "ske"'), 'ske');
    if (ske.getTime() < expiresOn.getTime()) expiresOn = ske;
  }
  return { resource, permissions, resourceTypes, version, expiresOn, startsOn, userDelegation };
}

/** Whether the parsed SAS grants `operation` (permission letters and, for an account SAS, resource type). */
export function sasAllows(sas: ParsedSas, operation: SasOperation): boolean {
  const need = NEEDS[operation];
  if (operation === 'service-properties' && sas.resource !== 'account') return false;
  if (sas.resource === 'account' && need.resourceType && !sas.resourceTypes.has(need.resourceType)) return false;
  return need.letters.some((l) => sas.permissions.has(l));
}

/** True when the SAS lets its bearer change anything (write, create, delete, tags, …). */
export function sasCanWrite(sas: ParsedSas): boolean {
  return [...sas.permissions].some((l) => WRITE_LETTERS.has(l));
}

/**
 * Registration checks: the SAS must serve the integration's mode (read-only: read; read-write:
 * read and write), must not have expired, and a container SAS needs a scope with a container.
 * A read-only integration may hold a writable SAS (customers often issue one `racwdl` token); it
 * is accepted, but assetlink never writes with it and never hands it out in a presigned URL.
 */
export function checkSasForIntegration(sas: ParsedSas, mode: Mode, options: { hasContainer: boolean; now: number }): void {
  if (sas.expiresOn.getTime() <= options.now) {
    fail('auth.sasToken', `expired at ${sas.expiresOn.toISOString()}; ask the customer for a new SAS`);
  }
  if (!sasAllows(sas, 'read')) fail('auth.sasToken', 'does not grant read ("r" in sp), which every integration needs');
  if (mode === 'read-write' && !sasAllows(sas, 'write')) {
    fail('auth.sasToken', `grants only "${[...sas.permissions].join('')}": a read-write integration needs "w" (write) as well; use mode "read-only" or a SAS with "rw"`);
  }
  if (sas.resource === 'container' && !options.hasContainer) {
    fail('auth.sasToken', 'is a container SAS (sr=c), so scope.container is required: an account-wide scope needs an account SAS');
  }
}

/** Describes what an operation needs, for errors. */
export function describeSasNeed(operation: SasOperation): string { return DESCRIBE[operation]; }

