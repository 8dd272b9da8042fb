import { InvalidIntegrationError } from '../errors.js';
import type { AzureClientCertificateAuth, AzureSasAuth, Mode } from '../types.js';
import { CertificatePemError, parseClientCertificatePem } from './azure-certificate-pem.js';
import { checkSasForIntegration, parseSasToken } from './azure-sas-token.js';
import { secretField } from './common-fields.js';

/**
 * Validation of the Azure auth kinds `sas` and `client-certificate` (validate.ts hands them over),
 * each refused with INVALID_INTEGRATION naming the field; the secrets never appear in a message.
 */

type Dict = Record<string, unknown>;
const fail = (field: string, message: string): never => { throw new InvalidIntegrationError(field, message); };

/** `auth: { kind: 'sas', sasToken, presign? }`, checked against the mode and scope at registration. */
export function azureSasAuth(a: Dict, mode: Mode, hasContainer: boolean): AzureSasAuth {
  const token = a.sasToken;
  if (typeof token !== 'string' || token.trim() === '') return fail('auth.sasToken', 'is required: the container or account SAS token the customer issued');
  checkSasForIntegration(parseSasToken(token), mode, { hasContainer, now: Date.now() });
  const presign = a.presign;
  if (presign !== undefined && presign !== 'refuse' && presign !== 'share-sas') fail('auth.presign', 'must be "refuse" (default) or "share-sas"');
  return { kind: 'sas', sasToken: token.trim().replace(/^\?/, ''), ...(presign !== undefined ? { presign: presign as 'refuse' | 'share-sas' } : {}) };
}

/** `auth: { kind: 'client-certificate', tenantId, clientId, certificate, sendCertificateChain? }`. */
export function azureCertificateAuth(a: Dict, tenantId: string, clientId: string): AzureClientCertificateAuth {
  const certificate = secretField(a, 'certificate', 'auth.', (o, f, w) => {
    const value = o[f];
    if (typeof value !== 'string' || value.length === 0) return fail(`${w}${f}`, 'is required: PEM with the private key and the certificate');
    try {
      parseClientCertificatePem(value);
    } catch (error) {
      if (error instanceof CertificatePemError) fail(`${w}${f}`, error.message);
      throw error;
    }
    return value;
  });
  if (a.sendCertificateChain !== undefined && typeof a.sendCertificateChain !== 'boolean') fail('auth.sendCertificateChain', 'must be true or false');
  return { kind: 'client-certificate', tenantId, clientId, certificate, ...(a.sendCertificateChain === true ? { sendCertificateChain: true } : {}) };
}
