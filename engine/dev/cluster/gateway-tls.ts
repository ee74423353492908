/**
 * The local gateway's HTTPS: a local CA, kept between runs (so a user trusts it once, with
 * `curl --cacert` or the browser's settings), and a wildcard certificate it issues for the
 * cluster domain (`*.ria.localhost`: every URL Ria prints is one label under it). The CA is its
 * own, not the control plane's: trusting it lets a browser accept the app URLs, not the API server.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openssl } from './pki.js';

export interface GatewayTls {
  /** The CA certificate to trust (`curl --cacert <caCert>`). */
  caCert: string;
  /** PEM of the wildcard certificate and its key (for the Gateway's TLS Secret). */
  certPem: string;
  keyPem: string;
}

const exists = (p: string) => access(p).then(() => true, () => false);

/**
 * The CA in `caDir` (made on first use, valid 10 years) and a fresh certificate for `*.<domain>`
 * and `<domain>` in `dir` (30 days, made at each start: nothing to renew).
 */
export async function gatewayTls(caDir: string, dir: string, domain: string): Promise<GatewayTls> {
  await mkdir(caDir, { recursive: true, mode: 0o700 });
  await mkdir(dir, { recursive: true });
  const caCert = join(caDir, 'ria-dev-ca.crt');
  const caKey = join(caDir, 'ria-dev-ca.key');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  if (!(await exists(caCert) && await exists(caKey))) {
    await openssl(['req', '-x509', ...ec, '-keyout', caKey, '-out', caCert, '-days', '3650',
      '-subj', '/O=ria dev/CN=ria dev local CA', '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }
  const key = join(dir, 'gateway.key');
  const csr = join(dir, 'gateway.csr');
  const crt = join(dir, 'gateway.crt');
  const ext = join(dir, 'gateway.ext');
  await writeFile(ext, `subjectAltName=DNS:*.${domain},DNS:${domain}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`);
  await openssl(['req', '-new', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=*.${domain}`]);
  await openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', crt, '-days', '30', '-extfile', ext]);
  return { caCert, certPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8') };
}
