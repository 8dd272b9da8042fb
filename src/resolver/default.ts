import type { PresignedUrl, ResolvedAsset, ResolverOptions } from '../types.js';
import { AssetResolver, type IntegrationRef, type ResolverPresignOptions } from './create.js';

let current: AssetResolver | undefined;

/** The process-wide resolver behind the top-level functions; created empty on first use. */
export function defaultResolver(): AssetResolver {
  current ??= new AssetResolver();
  return current;
}

/** Replaces the process-wide resolver (closing the previous one). */
export function configure(options: ResolverOptions): AssetResolver {
  const previous = current;
  current = new AssetResolver(options);
  void previous?.close();
  return current;
}

/** `resolveAsset` on the process-wide resolver (set it up with `configure`). */
export function resolveAsset(uri: string, integration?: IntegrationRef): Promise<ResolvedAsset> {
  return defaultResolver().resolveAsset(uri, integration);
}

/** `presign` on the process-wide resolver (set it up with `configure`). */
export function presign(uri: string, ttlSeconds: number, options?: ResolverPresignOptions): Promise<PresignedUrl> {
  return defaultResolver().presign(uri, ttlSeconds, options);
}
