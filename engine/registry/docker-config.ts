/**
 * Credentials of a registry from a `.dockerconfigjson` (the Secret type kubernetes.io/dockerconfigjson
 * that Kaniko mounts as /kaniko/.docker/config.json). Pure.
 */
import { DOCKER_HUB } from './image-ref.js';

export interface RegistryCredential { username: string; password: string }

interface DockerConfig { auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }> }

/** The keys under which a config may hold a host's credential, as Docker and Kaniko look them up. */
function keysFor(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === DOCKER_HUB) keys.push('https://index.docker.io/v1/', 'index.docker.io', 'registry-1.docker.io');
  return keys;
}

export function credentialFor(configJson: string, host: string): RegistryCredential | undefined {
  let config: DockerConfig;
  try { config = JSON.parse(configJson) as DockerConfig; } catch { return undefined; }
  const auths = config.auths ?? {};
  for (const key of keysFor(host)) {
    const entry = auths[key];
    if (!entry) continue;
    if (entry.username !== undefined && entry.password !== undefined) return { username: entry.username, password: entry.password };
    if (entry.auth) {
      const text = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon > 0) return { username: text.slice(0, colon), password: text.slice(colon + 1) };
    }
  }
  return undefined;
}
