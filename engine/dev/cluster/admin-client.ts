import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import type { Pki } from './pki.js';

export interface AdminResponse { status: number; body: string }

/**
 * A minimal HTTPS client with the admin certificate, used only while the cluster is coming up
 * (readiness, Nodes, waiting for the default ServiceAccount) so the harness has no dependency
 * on the engine's Kubernetes client.
 */
export function adminClient(server: string, pki: Pki) {
  const ca = readFileSync(pki.caCert);
  const cert = readFileSync(pki.adminCert);
  const key = readFileSync(pki.adminKey);
  return function call(method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<AdminResponse> {
    return new Promise((resolve, reject) => {
      const url = new URL(path, server);
      const req = request(url, {
        method, ca, cert, key, timeout: timeoutMs,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
      req.on('error', reject);
      if (body !== undefined) req.write(JSON.stringify(body));
      req.end();
    });
  };
}
export type AdminCall = ReturnType<typeof adminClient>;
