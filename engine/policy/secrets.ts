import type { Riofile } from '../riofile/model.js';
import type { Finding } from './finding.js';
import type { ModelPath } from './locate.js';

/**
 * A pull request's Riofile is written by whoever opened it: a preview receives only the Secrets
 * the config lists in `previews.secretsFrom` (default none), never production's just because the
 * Riofile names them. Branch environments are not limited here (their Riofile is the app repo's).
 */
export function previewSecretFindings(app: string, riofile: Riofile, allowed: readonly string[]): Finding[] {
  const out: Finding[] = [];
  const refuse = (path: ModelPath, name: string) => out.push({ path, message: `a preview may only use the Secrets listed in previews.secretsFrom; "${name}" is not: add it to "previews: { secretsFrom: [${name}] }" in apps/${app}.yaml of the config repository, or remove the reference` });
  for (const [key, service] of Object.entries(riofile.services)) {
    const containers: Array<{ at: ModelPath; c: (typeof service) | (typeof service.containers)[number] }> = [
      { at: ['services', key], c: service },
      ...service.containers.map((c, i) => ({ at: ['services', key, 'containers', i] as ModelPath, c })),
    ];
    for (const { at, c } of containers) {
      c.env.forEach((e, i) => { if ('secretRef' in e && !allowed.includes(e.secretRef.name)) refuse([...at, 'env', i], e.secretRef.name); });
      c.secrets.forEach((m, i) => { if (!allowed.includes(m.name)) refuse([...at, 'secrets', i], m.name); });
    }
    service.imagePullSecrets.forEach((name, i) => { if (!allowed.includes(name)) refuse(['services', key, 'imagePullSecrets', i], name); });
  }
  return out;
}
