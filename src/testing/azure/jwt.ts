import { createPublicKey, createSign, createVerify, type KeyObject } from 'node:crypto';

/** Claims the fakes read or write. Extra claims pass through untouched. */
export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export interface DecodedJwt {
  header: { alg?: string; kid?: string; typ?: string };
  claims: JwtClaims;
  signingInput: string;
  signature: Buffer;
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/** Signs `claims` with RS256. Enough JWT for the fakes; not a general-purpose library. */
export function signJwt(claims: JwtClaims, privateKey: KeyObject | string, kid?: string): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(kid ? { kid } : {}) };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey);
  return `${input}.${b64url(signature)}`;
}

/** Splits and parses a compact JWT; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, claims, signature] = parts as [string, string, string];
  try {
    return {
      header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as DecodedJwt['header'],
      claims: JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as JwtClaims,
      signingInput: `${header}.${claims}`,
      signature: Buffer.from(signature, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** True when `jwt` carries a valid RS256 signature by `publicKey`. */
export function verifyJwtSignature(jwt: DecodedJwt, publicKey: KeyObject | string): boolean {
  if (jwt.header.alg !== 'RS256') return false;
  try {
    return createVerify('RSA-SHA256').update(jwt.signingInput).verify(createPublicKey(publicKey), jwt.signature);
  } catch {
    return false;
  }
}
