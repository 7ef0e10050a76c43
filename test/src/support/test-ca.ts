import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCa {
  dir: string;
  name: string;
  cert: string;
  key: string;
}

const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe' });
};

/** A certificate authority of our own, made with the openssl command line (P-256, one day). */
export function makeCa(dir: string, name: string): TestCa {
  const key = path.join(dir, `${name}.key`);
  const cert = path.join(dir, `${name}.crt`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    key,
    '-sha256',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-out',
    cert,
  ]);
  return { dir, name, cert, key };
}

/** A server certificate for 127.0.0.1 and localhost, signed by `ca`. */
export function issueServerCert(ca: TestCa, name: string): { cert: string; key: string } {
  const key = path.join(ca.dir, `${name}.key`);
  const csr = path.join(ca.dir, `${name}.csr`);
  const cert = path.join(ca.dir, `${name}.crt`);
  const ext = path.join(ca.dir, `${name}.ext`);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', `/CN=${name}`, '-out', csr]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    '1',
    '-sha256',
    '-extfile',
    ext,
    '-out',
    cert,
  ]);
  return { cert, key };
}
