import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCert {
  /** PEM certificate; also the CA file clients trust (boto3 `verify=`, Node `ca:`). */
  certFile: string;
  keyFile: string;
  /** The certificate's PEM text, for Node clients (`https.request({ ca })`). */
  certPem: string;
}

/**
 * A throw-away self-signed certificate for 127.0.0.1 and localhost, made by openssl (installed by
 * scripts/test-tools.sh's checks). The subjectAltName matters: Python and Node ignore the CN for host names.
 */
export function createSelfSignedCert(dir = mkdtempSync(join(tmpdir(), 'dvc-sync-tls-'))): SelfSignedCert {
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '2',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl could not make the test certificate (is openssl installed?): ${stderr || String(error)}`, {
      cause: error,
    });
  }
  return { certFile, keyFile, certPem: readFileSync(certFile, 'utf8') };
}
