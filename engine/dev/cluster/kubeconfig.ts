import { readFile } from 'node:fs/promises';
import type { Pki } from './pki.js';

const b64 = async (file: string) => (await readFile(file)).toString('base64');

/** A self-contained kubeconfig (certificates embedded) for the admin user of a local cluster. */
export async function adminKubeconfig(server: string, pki: Pki, contextName = 'ria-local'): Promise<string> {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${contextName}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${await b64(pki.caCert)}`,
    'users:',
    `- name: ${contextName}-admin`,
    '  user:',
    `    client-certificate-data: ${await b64(pki.adminCert)}`,
    `    client-key-data: ${await b64(pki.adminKey)}`,
    'contexts:',
    `- name: ${contextName}`,
    '  context:',
    `    cluster: ${contextName}`,
    `    user: ${contextName}-admin`,
    `current-context: ${contextName}`,
    '',
  ].join('\n');
}
