import type { Credentials } from '../git/index.js';
import type { KubeObjects } from '../kube/objects.js';
import { RiaError } from '../errors.js';

/**
 * Reads a clone Secret: `username` + `password`, or a `token` alone (used as the password with
 * the user name `x-access-token`, which GitHub and most git hosts accept). Values are never logged.
 */
export async function readCredentials(objects: KubeObjects, namespace: string, name: string | undefined): Promise<Credentials | undefined> {
  if (!name) return undefined;
  const secret = await objects.get<{ apiVersion: string; kind: string; metadata: { name: string }; data?: Record<string, string> }>(
    { apiVersion: 'v1', kind: 'Secret', namespace, name });
  if (!secret) throw new RiaError('CloneSecretMissing', `clone Secret ${namespace}/${name} does not exist`, { namespace, name });
  const value = (key: string) => (secret.data?.[key] ? Buffer.from(secret.data[key], 'base64').toString('utf8') : undefined);
  const password = value('password') ?? value('token');
  if (!password) throw new RiaError('CloneSecretInvalid', `clone Secret ${namespace}/${name} has neither a "password" nor a "token" key`, { namespace, name });
  return { username: value('username') ?? 'x-access-token', password };
}

/**
 * Clone Secrets read at most once per `ttlMs` each: a poll round of many apps sharing a Secret
 * reads it once, and a rotated token is used within `ttlMs`. Failures (a missing Secret) are not
 * kept, so creating the Secret takes effect at the next attempt.
 */
export function cachedCredentials(read: (name: string | undefined) => Promise<Credentials | undefined>, ttlMs: number, now: () => number = Date.now):
  (name: string | undefined) => Promise<Credentials | undefined> {
  const entries = new Map<string, { at: number; value: Promise<Credentials | undefined> }>();
  return (name) => {
    if (!name) return Promise.resolve(undefined);
    const hit = entries.get(name);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const entry = { at: now(), value: read(name) };
    entries.set(name, entry);
    entry.value.catch(() => { if (entries.get(name) === entry) entries.delete(name); });
    return entry.value;
  };
}
