import type { Riofile } from '../../riofile/model.js';
import type { KubeObject } from '../../kube/objects.js';
import type { EngineContext } from '../context.js';
import { KubeApiError } from '../../kube/errors.js';
import { RiaError } from '../../errors.js';

/** Secret names a Riofile references: `secret://name/key` env values, `secrets:` mounts, pull secrets. */
export function referencedSecrets(riofile: Riofile): string[] {
  const names = new Set<string>();
  const containers = Object.values(riofile.services).flatMap((s) => [s, ...(s.containers ?? [])]);
  for (const c of containers) {
    for (const e of c.env ?? []) if ('secretRef' in e && e.secretRef) names.add(e.secretRef.name);
    for (const m of c.secrets ?? []) names.add(m.name);
  }
  for (const s of Object.values(riofile.services)) for (const p of s.imagePullSecrets ?? []) names.add(p);
  return [...names].sort();
}

export interface SecretCopies { objects: KubeObject[]; missing: string[] }

/**
 * Copies referenced Secrets from the app's source namespace (config `secretsFrom`) into the
 * environment namespace. Secrets come from the cluster, never from git; their values are
 * applied, hashed for change detection, and never logged.
 */
export async function secretCopies(ctx: EngineContext, names: string[], from: string | undefined, namespace: string, labels: Record<string, string>): Promise<SecretCopies> {
  const result: SecretCopies = { objects: [], missing: [] };
  if (names.length === 0) return result;
  if (!from) return { objects: [], missing: names };
  for (const name of names) {
    const source = await ctx.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: from, name }).catch((err: unknown) => {
      // The engine reads Secrets only where `ria install --secrets-from` let it (no cluster-wide right).
      if (err instanceof KubeApiError && err.status === 403) {
        throw new RiaError('SecretsFromForbidden', `Ria may not read Secrets in namespace ${from} (secretsFrom): run "ria install --secrets-from ${from}" to let it`, { namespace: from });
      }
      throw err;
    });
    if (!source) { result.missing.push(name); continue; }
    result.objects.push({
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name, namespace, labels: { ...labels, 'ria.dev/copied-from': from } },
      ...(source.type ? { type: source.type } : {}),
      ...(source.data ? { data: source.data } : {}),
    });
  }
  return result;
}
