import { randomBytes } from 'node:crypto';
import type { BlockBlobClient } from '@azure/storage-blob';
import { AssetLinkError, InvalidArgumentError } from '../../errors.js';
import type { PresignedUrl } from '../../types.js';
import type { CompletedPart } from '../../upload-types.js';
import type { ObjectTarget } from '../driver.js';
import type {
  PartUrlsRequest, ResumeState, SignedParts, StartUploadRequest, UploadDriver, UploadLimits, UploadSession,
} from '../uploads/driver-uploads.js';
import { uploadHeaders } from '../uploads/part-headers.js';
import type { OperationPermission } from './operation-sas.js';

/**
 * Azure browser uploads: Put Block per part through the blob's user-delegation SAS (`cw`, this
 * blob only) with a block id derived from the upload's random prefix and the part number; the
 * backend commits them with Put Block List. Nothing is visible before the commit. Azure has no
 * "abort": uncommitted blocks live until a commit or a week. abortUpload therefore commits an
 * empty list create-only and deletes that blob by ETag when no blob exists at the key (nothing is
 * left at all); when a blob already exists it leaves the blob alone and its uncommitted blocks
 * expire on their own (the next commit discards them too).
 */

const MiB = 1024 * 1024;
export const AZURE_UPLOAD_LIMITS: UploadLimits = {
  maxSize: 50_000 * 4000 * MiB, minPartSize: 1, maxPartSize: 4000 * MiB, maxParts: 50_000, partQuantum: 1, defaultPartSize: 8 * MiB,
};
const SEVEN_DAYS = 7 * 24 * 3600;

export interface AzureUploadHost {
  /** A `cw` SAS URL of the blob valid `ttlSeconds` (the driver's presign PUT). */
  presignPut(target: ObjectTarget, ttlSeconds: number): Promise<PresignedUrl>;
  /** A client of the blob whose requests carry a SAS of `permissions`, with typed errors. */
  blob<T>(target: ObjectTarget, permissions: OperationPermission, operation: string, run: (blob: BlockBlobClient) => Promise<T>): Promise<T>;
}

/** Base64 block ids, all the same length (Azure requires that within a blob). */
export function blockId(prefix: string, partNumber: number): string {
  return Buffer.from(`${prefix}-${String(partNumber).padStart(6, '0')}`, 'utf8').toString('base64');
}

export class AzureBlockUploads implements UploadDriver {
  readonly maxUploadTtlSeconds = SEVEN_DAYS;
  readonly limits = AZURE_UPLOAD_LIMITS;
  readonly #host: AzureUploadHost;

  constructor(host: AzureUploadHost) { this.#host = host; }

  async start(_target: ObjectTarget, _request: StartUploadRequest): Promise<string> {
    // Blocks are staged by the browser; the upload exists at Azure once the first one arrives.
    return randomBytes(12).toString('hex');
  }

  async signParts(target: ObjectTarget, session: UploadSession, request: PartUrlsRequest): Promise<SignedParts> {
    const put = await this.#host.presignPut(target, request.ttlSeconds);
    const headers = uploadHeaders(target.integration, 'azure').part;
    const parts = request.parts.map((p) => ({
      partNumber: p.partNumber,
      url: `${put.url}&comp=block&blockid=${encodeURIComponent(blockId(session.providerId, p.partNumber))}`,
      method: 'PUT' as const, headers: { ...headers }, start: p.start, end: p.end,
    }));
    return { parts, expiresAt: put.expiresAt };
  }

  async resumeState(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<ResumeState> {
    const staged = await this.#staged(target, session, signal);
    return { uploaded: [...staged.keys()].sort((a, b) => a - b).map((partNumber) => ({ partNumber })) };
  }

  async complete(target: ObjectTarget, session: UploadSession, _parts: CompletedPart[], signal?: AbortSignal): Promise<void> {
    const staged = await this.#staged(target, session, signal);
    const count = Math.ceil(session.size / session.partSize);
    for (let n = 1; n <= count; n++) {
      if (!staged.has(n)) {
        throw new InvalidArgumentError(`completeUpload: block ${n} of ${count} of ${target.location.uri} is missing or incomplete; send it (resumeUpload gives fresh URLs) and complete again`, { integrationId: target.integration.id, uri: target.location.uri });
      }
    }
    const ids = Array.from({ length: count }, (_, i) => blockId(session.providerId, i + 1));
    await this.#host.blob(target, 'w', 'complete an upload to', (blob) => blob.commitBlockList(ids, {
      ...encryptionScopeOf(target),
      ...(session.contentType !== undefined ? { blobHTTPHeaders: { blobContentType: session.contentType } } : {}),
      ...(signal ? { abortSignal: signal } : {}),
    }));
  }

  async abort(target: ObjectTarget, session: UploadSession, signal?: AbortSignal): Promise<void> {
    const staged = await this.#staged(target, session, signal, true);
    if (staged.size === 0) return;
    const exists = await this.#host.blob(target, 'r', 'abort an upload to', (blob) => blob.exists(signal ? { abortSignal: signal } : {}));
    if (exists) return;
    // An empty commit discards every uncommitted block; create-only, so a blob written meanwhile is never replaced.
    try {
      const created = await this.#host.blob(target, 'w', 'abort an upload to', (blob) => blob.commitBlockList([], { ...encryptionScopeOf(target), conditions: { ifNoneMatch: '*' }, ...(signal ? { abortSignal: signal } : {}) }));
      await this.#host.blob(target, 'd', 'abort an upload to', (blob) => blob.delete({ conditions: { ifMatch: created.etag ?? '' }, ...(signal ? { abortSignal: signal } : {}) }));
    } catch (error) {
      // 409/412: someone created the blob meanwhile; it stays, and the blocks expire on their own.
      const status = statusOf(error);
      if (status === 409 || status === 412) return;
      throw error;
    }
  }

  /** This upload's uncommitted blocks of exactly the planned size, by part number. */
  async #staged(target: ObjectTarget, session: UploadSession, signal?: AbortSignal, anySize = false): Promise<Map<number, number>> {
    let list: { uncommittedBlocks?: Array<{ name: string; size: number }> };
    try {
      list = await this.#host.blob(target, 'r', 'list the blocks of', (blob) => blob.getBlockList('uncommitted', signal ? { abortSignal: signal } : {}));
    } catch (error) {
      // No blob and no staged block: nothing was uploaded yet.
      if (statusOf(error) === 404) return new Map();
      throw error;
    }
    const count = Math.ceil(session.size / session.partSize);
    const wanted = new Map(Array.from({ length: count }, (_, i) => [blockId(session.providerId, i + 1), i + 1] as const));
    const found = new Map<number, number>();
    for (const block of list.uncommittedBlocks ?? []) {
      const n = wanted.get(block.name);
      if (n === undefined) continue;
      const expected = Math.min(n * session.partSize, session.size) - (n - 1) * session.partSize;
      if (anySize || block.size === expected) found.set(n, block.size);
    }
    return found;
  }
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof AssetLinkError) return statusOf(error.cause);
  const e = (error ?? {}) as { statusCode?: number; status?: number };
  return e.statusCode ?? e.status;
}

function encryptionScopeOf(target: ObjectTarget): { encryptionScope?: string } {
  const scope = uploadHeaders(target.integration, 'azure').encryptionScope;
  return scope === undefined ? {} : { encryptionScope: scope };
}
