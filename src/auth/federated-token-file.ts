import fs from 'node:fs/promises';
import path from 'node:path';
import { CredentialsUnavailableError, InvalidArgumentError } from '../errors.js';

/** The variable Azure workload identity (AKS) sets to the projected service-account token's path. */
export const AZURE_FEDERATED_TOKEN_FILE = 'AZURE_FEDERATED_TOKEN_FILE';

/**
 * An assertion callback for Azure workload identity federation that reads the platform's OIDC token
 * from a file: a Kubernetes projected service-account token (AKS workload identity sets
 * `$AZURE_FEDERATED_TOKEN_FILE` to it; EKS and GKE project the same kind of file), or any file an
 * agent keeps fresh. `tokenPath` defaults to `$AZURE_FEDERATED_TOKEN_FILE`.
 *
 * The kubelet rotates the token by swapping the file (a symlink flip), so the file is checked on
 * every call — a token is asked for only when Entra must be called — and re-read when it changed.
 * The token itself never appears in errors.
 */
export function federatedTokenFile(tokenPath: string | undefined = process.env[AZURE_FEDERATED_TOKEN_FILE]): () => Promise<string> {
  if (!tokenPath) {
    throw new InvalidArgumentError(`federatedTokenFile needs a path: pass one, or set $${AZURE_FEDERATED_TOKEN_FILE} (Azure workload identity sets it)`);
  }
  if (!path.isAbsolute(tokenPath)) throw new InvalidArgumentError(`federatedTokenFile needs an absolute path, got ${JSON.stringify(tokenPath)}`);
  let cached: { version: string; token: string } | undefined;
  return async () => {
    let version: string;
    try {
      const stat = await fs.stat(tokenPath);
      version = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      if (cached?.version === version) return cached.token;
      const token = (await fs.readFile(tokenPath, 'utf8')).trim();
      if (token === '') throw new CredentialsUnavailableError(`the federated token file ${tokenPath} is empty`, { retryable: true });
      cached = { version, token };
      return token;
    } catch (error) {
      if (error instanceof CredentialsUnavailableError) throw error;
      // Mid-rotation the file can be missing for a moment: worth another attempt.
      const code = (error as { code?: string }).code ?? 'error';
      throw new CredentialsUnavailableError(`cannot read the federated token file ${tokenPath} (${code})`, { retryable: code === 'ENOENT' });
    }
  };
}
