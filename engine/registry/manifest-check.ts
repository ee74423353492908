/**
 * Is this tag in the registry? One manifest HEAD (OCI distribution API), with the registry's
 * token flow when it asks for one (401 + `WWW-Authenticate: Bearer realm=...`) or Basic auth.
 * Answers true / false, or undefined when it cannot tell (unreachable, refused, a 5xx): callers
 * then do what they would do without the check (build), never trust a guess.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { RegistryCredential } from './docker-config.js';
import type { ImageRef } from './image-ref.js';

export interface ManifestCheckOptions {
  /** Base URL of the registry API, e.g. `https://ghcr.io` or `http://127.0.0.1:5000`. */
  baseUrl: string;
  credential?: RegistryCredential;
  /** Verify the registry's TLS certificate (default true; Kaniko's --skip-tls-verify turns it off). */
  verifyTls?: boolean;
  timeoutMs?: number;
}

/** Every manifest type a tag may point at; without them some registries answer 404 for an index. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function send(url: URL, method: 'HEAD' | 'GET', headers: Record<string, string>, o: ManifestCheckOptions): Promise<Answer> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const make = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = make(url, { method, headers, timeout: timeoutMs, ...(url.protocol === 'https:' && o.verifyTls === false ? { rejectUnauthorized: false } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => { size += c.length; if (size <= 64 * 1024) chunks.push(c); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const basic = (c: RegistryCredential) => `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;

/** `Bearer realm="https://auth/token",service="reg",scope="repository:x:pull"` → its parameters. Pure. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const space = header.indexOf(' ');
  const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(space + 1).matchAll(/([A-Za-z]+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}

async function bearerToken(challenge: Record<string, string>, ref: ImageRef, base: URL, o: ManifestCheckOptions): Promise<string | undefined> {
  if (!challenge.realm) return undefined;
  const realm = new URL(challenge.realm);
  // The credential goes to the token service only over TLS, unless the registry itself is plain HTTP (a local one).
  if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && base.protocol === 'http:')) return undefined;
  if (challenge.service) realm.searchParams.set('service', challenge.service);
  realm.searchParams.set('scope', challenge.scope ?? `repository:${ref.repository}:pull`);
  const res = await send(realm, 'GET', { accept: 'application/json', ...(o.credential ? { authorization: basic(o.credential) } : {}) }, o);
  if (res.status !== 200) return undefined;
  try {
    const json = JSON.parse(res.body) as { token?: string; access_token?: string };
    return json.token ?? json.access_token;
  } catch { return undefined; }
}

export async function manifestExists(ref: ImageRef, o: ManifestCheckOptions): Promise<boolean | undefined> {
  const base = new URL(o.baseUrl);
  const url = new URL(`/v2/${ref.repository}/manifests/${encodeURIComponent(ref.reference)}`, base);
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  try {
    let res = await send(url, 'HEAD', headers, o);
    if (res.status === 401) {
      const header = res.headers['www-authenticate'];
      const { scheme, params } = parseChallenge(Array.isArray(header) ? header[0] ?? '' : header ?? '');
      let authorization: string | undefined;
      if (scheme === 'bearer') {
        const token = await bearerToken(params, ref, base, o);
        if (token) authorization = `Bearer ${token}`;
      } else if (scheme === 'basic' && o.credential) authorization = basic(o.credential);
      if (!authorization) return undefined;
      res = await send(url, 'HEAD', { ...headers, authorization }, o);
    }
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return undefined;
  } catch {
    return undefined;
  }
}
