import { createHmac } from 'node:crypto';

/**
 * Azurite 3.35 verifies a user-delegation SAS for one snapshot (`sr=bs`) against the wrong
 * string-to-sign: without the blob name in the canonicalized resource and with an empty
 * signedSnapshotTime line (Azure/Azurite#1857, "SAS token string to sign doesn't include
 * snapshot"). Azure signs both: the blob name, and the snapshot time the request's `snapshot`
 * parameter names — which is what confines such a SAS to that one snapshot. Patched in-process
 * so the emulator checks what Azure checks: a correct snapshot SAS verifies, and the same SAS on
 * the live blob or another snapshot does not. Only `bs` at service version 2025-07-05 and later
 * (the layout assetlink and the current SDK sign) is changed; everything else is Azurite's own.
 *
 * Azurite has no blob versions at all (`versionid` is ignored, `sr=bv` is not recognised, so
 * such a request is refused as unauthenticated); that gap is not papered over here.
 */

type UdkSign = (values: Record<string, unknown>, resource: string, account: string, udkValue: Buffer) => [string, string];

const PATCHED = Symbol.for('assetlink.azurite.snapshotSas');

/** Line indexes of the 2025-07-05 user-delegation string-to-sign. */
const RESOURCE_LINE = 18;
const SNAPSHOT_LINE = 19;

export function patchSnapshotSas(signatureModule: Record<string, unknown>): void {
  // The CommonJS `module.exports` (the `default` of an ESM import of it) is what Azurite's own modules
  // call through, and it is writable; an ESM namespace object is not. Prefer it.
  const exportsObject = signatureModule.default as Record<string | symbol, unknown> | undefined;
  const target = (exportsObject && typeof exportsObject.generateBlobSASSignatureWithUDK === 'function'
    ? exportsObject
    : signatureModule) as Record<string | symbol, unknown> | undefined;
  if (!target || typeof target.generateBlobSASSignatureWithUDK !== 'function') {
    throw new Error('azurite: generateBlobSASSignatureWithUDK not found; is a supported azurite version installed?');
  }
  if (target[PATCHED]) return;
  const original = target.generateBlobSASSignatureWithUDK as UdkSign;
  const patched: UdkSign = (values, resource, account, udkValue) => {
    if (resource !== 'bs' || typeof values.version !== 'string' || values.version < '2025-07-05') return original(values, resource, account, udkValue);
    // Azurite's own layout for a blob SAS (blob name in the resource), then the two lines it gets wrong.
    const [, blobStringToSign] = original(values, 'b', account, udkValue);
    const lines = blobStringToSign.split('\n');
    lines[RESOURCE_LINE] = 'bs';
    lines[SNAPSHOT_LINE] = typeof values.snapshot === 'string' ? values.snapshot : '';
    const stringToSign = lines.join('\n');
    return [createHmac('sha256', udkValue).update(stringToSign, 'utf8').digest('base64'), stringToSign];
  };
  target.generateBlobSASSignatureWithUDK = patched;
  target[PATCHED] = true;
}
