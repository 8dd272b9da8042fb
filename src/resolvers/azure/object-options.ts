import { InvalidArgumentError } from '../../errors.js';
import type { AzureIntegration, HeadResult } from '../../types.js';
import type { DriverWriteOptions } from '../write-options.js';

/** Azure metadata names are C# identifiers: letters, digits and `_`, not starting with a digit. */
const AZURE_METADATA_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A write's options as @azure/storage-blob upload options: HTTP headers, metadata, the
 * integration's encryption scope (`x-ms-encryption-scope` on Put Blob, every Put Block and Put
 * Block List), abort signal and progress.
 */
export function azureUploadOptions(opts: DriverWriteOptions, config: Pick<AzureIntegration, 'encryption'>, uri: string): Record<string, unknown> {
  for (const name of Object.keys(opts.metadata ?? {})) {
    if (!AZURE_METADATA_NAME.test(name)) throw new InvalidArgumentError(`metadata name ${JSON.stringify(name)} is not valid for Azure Blob Storage: use letters, digits and "_" (no "-")`, { uri });
  }
  const blobHTTPHeaders = {
    ...(opts.contentType !== undefined ? { blobContentType: opts.contentType } : {}),
    ...(opts.contentDisposition !== undefined ? { blobContentDisposition: opts.contentDisposition } : {}),
    ...(opts.cacheControl !== undefined ? { blobCacheControl: opts.cacheControl } : {}),
  };
  const onProgress = opts.onProgress;
  return {
    blobHTTPHeaders,
    ...(opts.metadata !== undefined ? { metadata: opts.metadata } : {}),
    ...(config.encryption ? { encryptionScope: config.encryption.scope } : {}),
    ...(opts.signal ? { abortSignal: opts.signal } : {}),
    ...(onProgress ? { onProgress: (event: { loadedBytes: number }) => onProgress(event.loadedBytes) } : {}),
  };
}

/** head() fields beyond size/type/etag/date from Get Blob Properties. */
export function azureHeadExtras(props: { metadata?: Record<string, string>; contentDisposition?: string; cacheControl?: string }): Partial<HeadResult> {
  return {
    ...(props.metadata && Object.keys(props.metadata).length > 0 ? { metadata: { ...props.metadata } } : {}),
    ...(props.contentDisposition !== undefined ? { contentDisposition: props.contentDisposition } : {}),
    ...(props.cacheControl !== undefined ? { cacheControl: props.cacheControl } : {}),
  };
}
