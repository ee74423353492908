import { readFile } from 'node:fs/promises';
import type { Pki } from './pki.js';

const b64 = async (file: string) => (await readFile(file)).toString('base64');

/** A self-contained kubeconfig (certificates embedded) for the admin user of a local cluster. */
export async function adminKubeconfig(server: string, pki: Pki, contextName = 'ria-local'): Promise<string> {
  return clientKubeconfig(server, pki, { cert: pki.adminCert, key: pki.adminKey }, contextName, `${contextName}-admin`);
}

/** The same for another client certificate (the kubelet's, kube-proxy's). */
export async function clientKubeconfig(server: string, pki: Pki, client: { cert: string; key: string },
  contextName: string, user: string): Promise<string> {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${contextName}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${await b64(pki.caCert)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${await b64(client.cert)}`,
    `    client-key-data: ${await b64(client.key)}`,
    'contexts:',
    `- name: ${contextName}`,
    '  context:',
    `    cluster: ${contextName}`,
    `    user: ${user}`,
    `current-context: ${contextName}`,
    '',
  ].join('\n');
}
