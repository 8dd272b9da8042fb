import { Sha256Hmac } from '../hmac-sha256.js';

/**
 * SAS service version we sign with. The 2025-07-05 string-to-sign is the newest one Azurite
 * 3.35 verifies; 2026-04-06 (the SDK default) adds signed request headers / query lines that it
 * does not know. Azure accepts any supported version, so nothing is lost by pinning it.
 */
export const SAS_VERSION = '2025-07-05';

/** A user delegation key as cached: JSON-safe strings, exactly as the SAS must name them. */
export interface DelegationKey {
  signedObjectId: string;
  signedTenantId: string;
  /** ISO 8601 without milliseconds, e.g. 2025-01-01T00:00:00Z. */
  signedStartsOn: string;
  signedExpiresOn: string;
  signedService: string;
  signedVersion: string;
  /** Base64 HMAC key. Secret. */
  value: string;
}

/**
 * Permissions in the canonical order Azure requires (r a c w d ... l); only these are issued:
 * presigned URLs get `r` or `cw`, data-plane operations exactly one of `r`, `c`, `w`, `d`, `l`,
 * vended directory/container SAS `rl` (read-only) or `racwdl` (read-write).
 */
export type BlobSasPermissions = 'r' | 'c' | 'w' | 'd' | 'cw' | 'l' | 'rl' | 'racwdl';

/**
 * `b` one blob, `c` the container (listing), `d` a directory (accounts with a hierarchical
 * namespace), `bs` one snapshot of a blob, `bv` one version of a blob (never the live blob).
 */
export type SasResource = 'b' | 'c' | 'd' | 'bs' | 'bv';

export interface BlobSasRequest {
  /** Account name the service knows itself by (see serviceAccountName). */
  account: string;
  container: string;
  /**
   * Blob name, unencoded; the exact key that passed the scope check. For a directory SAS the
   * directory path (no trailing '/'); ignored for a container SAS.
   */
  blob: string;
  permissions: BlobSasPermissions;
  startsOn: Date;
  expiresOn: Date;
  /** `rsct`: Content-Type the service returns when the URL is used for a GET. */
  responseContentType?: string;
  /** `rscd`: Content-Disposition the service returns when the URL is used for a GET. */
  responseContentDisposition?: string;
  /** Default `b`. */
  resource?: SasResource;
  /** `sdd`: depth of the directory (its number of path segments); required for `d`. */
  directoryDepth?: number;
  /**
   * The snapshot time (`bs`) or version id (`bv`) the SAS is confined to: the signed
   * snapshotTime line. The request URL must carry it as `snapshot=` / `versionid=`.
   */
  pinnedTime?: string;
}

/** `2025-01-01T00:00:00Z`: what Azure and the SDK put in SAS times. */
export function sasTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 19)}Z`;
}

const enc = encodeURIComponent;

/** One-entry memo of a SAS time and its query encoding. */
class TimeMemo {
  #ms = Number.NaN;
  #text = '';
  encoded = '';
  format(date: Date): string {
    const ms = date.getTime();
    if (ms !== this.#ms) {
      this.#ms = ms;
      this.#text = sasTime(date);
      this.encoded = enc(this.#text);
    }
    return this.#text;
  }
}

/**
 * Signs https-only user-delegation SAS tokens with one delegation key: blob-scoped (sr=b) for
 * presigned URLs and object operations, container (sr=c) or directory (sr=d) for listings. All
 * per-key parts of the string-to-sign and the query are prepared once, so a URL costs one HMAC
 * and a few string joins. Output is byte-for-byte what `generateBlobSASQueryParameters(...)
 * .toString()` produces for the same inputs (tested over many generated inputs).
 */
export class UserDelegationSasSigner {
  /** HMAC-SHA256 under the delegation key (one-shot hashing, hmac-sha256.ts). */
  readonly #hmac: Sha256Hmac;
  /** skoid … skv lines of the string-to-sign, with the empty saoid/agent/scid/skdutid/sduoid/sip lines after. */
  readonly #keyLines: string;
  /** skoid … skv query parameters. */
  readonly #keyQuery: string;
  /** Validity of the key: a SAS it signs must lie inside it. */
  readonly startsOn: Date;
  readonly expiresOn: Date;
  /** Last formatted start / expiry: URLs issued in the same second share them. */
  readonly #st = new TimeMemo();
  readonly #se = new TimeMemo();

  constructor(key: DelegationKey) {
    this.#hmac = new Sha256Hmac(Buffer.from(key.value, 'base64'));
    this.startsOn = new Date(key.signedStartsOn);
    this.expiresOn = new Date(key.signedExpiresOn);
    this.#keyLines = [
      key.signedObjectId, key.signedTenantId, key.signedStartsOn, key.signedExpiresOn, key.signedService, key.signedVersion,
      '', '', '', '', '', '',
    ].join('\n');
    this.#keyQuery =
      `skoid=${enc(key.signedObjectId)}&sktid=${enc(key.signedTenantId)}&skt=${enc(key.signedStartsOn)}` +
      `&ske=${enc(key.signedExpiresOn)}&sks=${enc(key.signedService)}&skv=${enc(key.signedVersion)}`;
  }

  /** The SAS query string (no leading `?`). */
  sign(request: BlobSasRequest): string {
    const st = this.#st.format(request.startsOn);
    const se = this.#se.format(request.expiresOn);
    const rsct = request.responseContentType ?? '';
    const rscd = request.responseContentDisposition ?? '';
    const resource = request.resource ?? 'b';
    const pinned = request.pinnedTime ?? '';
    if ((resource === 'bs' || resource === 'bv') !== (pinned !== '')) throw new TypeError('a snapshot or version SAS (and only those) names pinnedTime');
    // The container is the resource of a container SAS; a directory SAS names the directory the
    // way a blob SAS names the blob (its depth travels in `sdd` only, unsigned).
    const canonical = resource === 'c'
      ? `/blob/${request.account}/${request.container}`
      : `/blob/${request.account}/${request.container}/${request.blob}`;
    let sdd = '';
    if (resource === 'd') {
      const depth = request.directoryDepth;
      if (depth === undefined || !Number.isInteger(depth) || depth < 1) throw new TypeError('a directory SAS needs a positive directoryDepth');
      sdd = `&sdd=${depth}`;
    }
    // Line order of the 2025-07-05 user-delegation string-to-sign:
    // sp st se canonicalizedResource skoid sktid skt ske sks skv saoid agentObjectId scid skdutid
    // sduoid sip spr sv sr snapshotTime ses rscc rscd rsce rscl rsct
    const stringToSign =
      `${request.permissions}\n${st}\n${se}\n${canonical}\n` +
      `${this.#keyLines}\nhttps\n${SAS_VERSION}\n${resource}\n${pinned}\n\n\n${rscd}\n\n\n${rsct}`;
    // Blob names may be any Unicode: digest() checks for ASCII and otherwise signs the UTF-8 bytes the classic way.
    const sig = this.#hmac.digest(stringToSign, 'base64');
    return (
      `sv=${SAS_VERSION}&spr=https&st=${this.#st.encoded}&se=${this.#se.encoded}&${this.#keyQuery}&sr=${resource}${sdd}&sp=${request.permissions}` +
      `${rscd ? `&rscd=${enc(rscd)}` : ''}${rsct ? `&rsct=${enc(rsct)}` : ''}&sig=${enc(sig)}`
    );
  }
}
