import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClusterComponentError } from './errors.js';

const run = promisify(execFile);

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  /** Serving certificate for the apiserver and kwok (SANs: localhost, 127.0.0.1, kubernetes.default...). */
  serverCert: string;
  serverKey: string;
  /** Client certificate in group system:masters: what the kubeconfig and the controllers use. */
  adminCert: string;
  adminKey: string;
  /** Key pair that signs service-account tokens. */
  serviceAccountKey: string;
  serviceAccountPub: string;
}

const serverSans = [
  'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', 'IP:10.0.0.1',
  // The `kubernetes` Service's ClusterIP (first of --service-cluster-ip-range) and the real
  // node's bridge address: what pods on the real node reach the API server at.
  'IP:10.96.0.1', 'IP:10.244.0.1',
].join(',');

export async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const detail = (err as { code?: string; stderr?: string }).code === 'ENOENT'
      ? 'the openssl command is missing (apt-get install openssl)'
      : `openssl ${args[0]} failed: ${String((err as { stderr?: string }).stderr ?? err).trim()}`;
    throw new ClusterComponentError('pki', detail, undefined, err);
  }
}

/** Makes a fresh CA, serving, admin and service-account keys with openssl (EC P-256: fast to make). */
export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true });
  const p = (name: string) => join(dir, name);
  const pki: Pki = {
    dir,
    caCert: p('ca.crt'), caKey: p('ca.key'),
    serverCert: p('server.crt'), serverKey: p('server.key'),
    adminCert: p('admin.crt'), adminKey: p('admin.key'),
    serviceAccountKey: p('sa.key'), serviceAccountPub: p('sa.pub'),
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(['req', '-x509', ...ec, '-keyout', pki.caKey, '-out', pki.caCert, '-days', '30', '-subj', '/CN=ria-local-ca']);
  const issue = async (name: string, subj: string, ext: string) => {
    const csr = p(`${name}.csr`);
    const extFile = p(`${name}.ext`);
    await writeFile(extFile, ext);
    await openssl(['req', '-new', ...ec, '-keyout', p(`${name}.key`), '-out', csr, '-subj', subj]);
    await openssl(['x509', '-req', '-in', csr, '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial',
      '-out', p(`${name}.crt`), '-days', '30', '-extfile', extFile]);
  };
  await issue('server', '/CN=kube-apiserver', `subjectAltName=${serverSans}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  await issue('admin', '/O=system:masters/CN=ria-admin', 'extendedKeyUsage=clientAuth\n');
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', pki.serviceAccountKey]);
  await openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub]);
  return pki;
}

/** A client certificate signed by the cluster CA, e.g. the kubelet's (`O=system:nodes/CN=system:node:NAME`). */
export async function issueClientCert(pki: Pki, name: string, subject: string): Promise<{ cert: string; key: string }> {
  const p = (f: string) => join(pki.dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await writeFile(p(`${name}.ext`), 'extendedKeyUsage=clientAuth\n');
  await openssl(['req', '-new', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subject]);
  await openssl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', pki.caCert, '-CAkey', pki.caKey, '-CAcreateserial',
    '-out', p(`${name}.crt`), '-days', '30', '-extfile', p(`${name}.ext`)]);
  return { cert: p(`${name}.crt`), key: p(`${name}.key`) };
}
