/**
 * Test-time X.509 material made with Debian's `openssl`: a CA, a server certificate for
 * localhost / 127.0.0.1 signed by it, and client certificates (`CN=<name>,O=gregor-test`)
 * for mutual TLS. EC P-256 keys, unencrypted PEM. Nothing is checked in: every suite makes its
 * own in its temp dir.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificateFiles {
  /** PEM certificate (leaf only). */
  certPath: string;
  certPem: string;
  /** PEM PKCS#8 private key, unencrypted. */
  keyPath: string;
  keyPem: string;
  /** Key and certificate in one PEM file (Kafka's `ssl.keystore.location` for PEM stores). */
  keystorePath: string;
  /** The subject as RFC 2253 prints it, e.g. `CN=alice,O=gregor-test`. */
  subject: string;
}

export interface TestCertificates {
  dir: string;
  ca: { certPath: string; certPem: string };
  server: CertificateFiles;
  clients: Record<string, CertificateFiles>;
  /** Kafka listener properties for a TLS listener named `listener` with this material. */
  listenerProperties(listener: string, clientAuth?: 'none' | 'requested' | 'required'): Record<string, string>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function newKey(dir: string, name: string): string {
  const keyPath = join(dir, `${name}.key`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath], dir);
  return keyPath;
}

function signed(dir: string, name: string, subj: string, extensions: string): CertificateFiles {
  const keyPath = newKey(dir, name);
  const csr = join(dir, `${name}.csr`);
  const certPath = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, extensions);
  openssl(['req', '-new', '-key', keyPath, '-subj', subj, '-out', csr], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-sha256', '-extfile', ext, '-out', certPath], dir);
  const certPem = readFileSync(certPath, 'utf8');
  const keyPem = readFileSync(keyPath, 'utf8');
  const keystorePath = join(dir, `${name}.keystore.pem`);
  writeFileSync(keystorePath, keyPem + certPem);
  const subject = subj.split('/').filter(Boolean).reverse().join(',');
  return { certPath, certPem, keyPath, keyPem, keystorePath, subject };
}

/**
 * Makes a CA, a server certificate (SAN localhost, 127.0.0.1, ::1) and one client
 * certificate per name in `dir`. Takes ~50 ms per certificate.
 */
export function makeCertificates(dir: string, clientNames: string[] = []): TestCertificates {
  newKey(dir, 'ca');
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/O=gregor-test/CN=Gregor Test CA', '-days', '2', '-sha256', '-out', 'ca.crt'], dir);
  const caPath = join(dir, 'ca.crt');
  const server = signed(dir, 'server', '/O=gregor-test/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth,clientAuth\n');
  const clients: Record<string, CertificateFiles> = {};
  for (const name of clientNames) {
    clients[name] = signed(dir, `client-${name}`, `/O=gregor-test/CN=${name}`, 'extendedKeyUsage=clientAuth\n');
  }
  return {
    dir,
    ca: { certPath: caPath, certPem: readFileSync(caPath, 'utf8') },
    server,
    clients,
    listenerProperties(listener, clientAuth = 'none') {
      const prefix = `listener.name.${listener.toLowerCase()}.`;
      return {
        [`${prefix}ssl.keystore.location`]: server.keystorePath,
        [`${prefix}ssl.truststore.location`]: caPath,
        [`${prefix}ssl.client.auth`]: clientAuth,
      };
    },
  };
}
