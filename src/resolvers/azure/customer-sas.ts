import type { CustomerSas } from '../../auth/azure-sas.js';
import { AccessDeniedError, InvalidTtlError } from '../../errors.js';
import { sasCanWrite, type SasOperation } from '../../integrations/azure-sas-token.js';
import type { AzureIntegration, Mode, PresignedUrl } from '../../types.js';
import type { DriverPresignRequest } from '../driver.js';
import type { OperationPermission } from './operation-sas.js';
import { withSas } from './operation-sas.js';

/**
 * What the Azure driver does differently for `auth: { kind: 'sas' }` integrations: the customer's
 * SAS is used as is (assetlink holds no key to sign a narrower one), so presigned URLs and the
 * read-only probe follow the rules below instead of minting anything. See docs/providers/azure.md,
 * "Shared access signatures", for why each rule is what it is.
 */

interface SasTarget {
  integration: { id: string };
  config: AzureIntegration & { mode: Mode };
  uri: string;
  /** Blob URL without a query. */
  url: string;
}

const OPERATIONS: Record<OperationPermission, SasOperation> = { r: 'read', w: 'write', c: 'create', d: 'delete', l: 'list' };

/** The SAS operation behind one of the driver's per-operation permissions. */
export function sasOperation(permission: OperationPermission): SasOperation {
  return OPERATIONS[permission];
}

/**
 * A presigned URL from a customer's SAS: the blob URL with that SAS appended. It is NOT limited
 * to the blob: whoever holds it can do everything the SAS allows on the whole container (or
 * account) until the SAS expires. So:
 * - off unless the integration opts in with `auth.presign: 'share-sas'` (ACCESS_DENIED otherwise);
 * - never for a read-only integration whose SAS can write (the URL would hand out write access
 *   the integration itself may not use);
 * - `expiresAt` is the SAS expiry, the URL's real lifetime, however short a TTL was asked for;
 *   a TTL longer than the SAS has left is INVALID_TTL (or clamped, with `clamp`).
 */
export function presignWithCustomerSas(t: SasTarget, sas: CustomerSas, request: DriverPresignRequest, now: number): PresignedUrl {
  const options = { integrationId: t.integration.id, uri: t.uri };
  const auth = t.config.auth as { presign?: string };
  if (auth.presign !== 'share-sas') {
    throw new AccessDeniedError(
      `integration "${t.integration.id}" uses a customer-issued SAS, from which no narrower URL can be signed: a presigned URL would carry that SAS and so grant `
        + `the whole ${sas.parsed.resource} until ${sas.expiresOn.toISOString()}. Presigning is off; set auth.presign to "share-sas" to accept that, or use an app registration (federated, client-secret, client-certificate) for per-blob URLs`,
      options,
    );
  }
  if (t.config.mode !== 'read-write' && sasCanWrite(sas.parsed)) {
    throw new AccessDeniedError(
      `integration "${t.integration.id}" is read-only but its SAS grants "${[...sas.parsed.permissions].join('')}": a presigned URL would hand out write access; ask the customer for a read-only SAS (sp=rl)`,
      options,
    );
  }
  const query = sas.queryFor(request.method === 'PUT' ? 'write' : 'read', now, t.uri);
  const expiresAt = sas.expiresOn.getTime();
  const left = Math.floor((expiresAt - now) / 1000);
  if (request.ttlSeconds > left && !request.clamp) {
    throw new InvalidTtlError(`TTL ${request.ttlSeconds}s outlives the customer's SAS (${left}s left); ask for less or pass { clamp: true }`, options);
  }
  const headers: Record<string, string> = request.method === 'PUT'
    ? { 'x-ms-blob-type': 'BlockBlob', ...(request.contentType !== undefined ? { 'content-type': request.contentType } : {}) }
    : {};
  return { url: withSas(t.url, query), method: request.method, expiresAt: new Date(expiresAt), headers };
}

/** verify's read-only probe for a SAS integration: answered from the SAS's own permissions, nothing sent. */
export function probeWithCustomerSas(sas: CustomerSas): 'refused' | 'allowed' {
  return sasCanWrite(sas.parsed) ? 'allowed' : 'refused';
}
