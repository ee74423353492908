import type { Riofile } from '../model.js';
import type { IssueCollector } from '../locate.js';
import { parseObjects } from '../kubernetes.js';
import { fieldsOf, stringRecord } from './fields.js';
import { normalizeExternalService, normalizeRouter } from './router.js';
import { normalizeService } from './service.js';
import { normalizeTemplate } from './template.js';

/** Maps an offset inside `kubernetes.manifest` to an offset in the parsed text. */
export type ManifestOffsets = (offset: number) => number;

/** Schema-valid document -> model. Semantic problems (bad port strings, conflicts) are reported, located. */
export function normalizeRiofile(data: Record<string, unknown>, issues: IssueCollector, manifestOffsets: ManifestOffsets): Riofile {
  const f = fieldsOf(data, 'riofile', [], issues);
  const riofile: Riofile = { format: 'riofile', services: {}, configs: {}, routers: {}, externalServices: {}, kubernetesManifests: [] };
  const services = f.get('services');
  for (const [name, raw] of Object.entries((services?.value ?? {}) as Record<string, unknown>)) {
    riofile.services[name] = normalizeService(name, raw ?? {}, [...services!.path, name], issues);
  }
  checkAppVersions(riofile, services?.path ?? ['services'], issues);
  for (const [name, data] of Object.entries((f.get('configs')?.value ?? {}) as Record<string, unknown>)) riofile.configs[name] = stringRecord(data);
  const routers = f.get('routers');
  for (const [name, raw] of Object.entries((routers?.value ?? {}) as Record<string, unknown>)) {
    riofile.routers[name] = normalizeRouter(raw ?? {}, [...routers!.path, name], issues);
  }
  const external = f.get('externalservices');
  for (const [name, raw] of Object.entries((external?.value ?? {}) as Record<string, unknown>)) {
    riofile.externalServices[name] = normalizeExternalService(raw ?? {}, [...external!.path, name], issues);
  }
  const kubernetes = f.get('kubernetes');
  if (kubernetes) {
    const k = fieldsOf(kubernetes.value, 'kubernetes', kubernetes.path, issues);
    const manifest = k.get('manifest');
    if (manifest) riofile.kubernetesManifests = parseObjects(String(manifest.value), manifest.path, issues, manifestOffsets);
  }
  const template = f.get('template');
  if (template) riofile.template = normalizeTemplate(template.value ?? {}, template.path, issues);
  return riofile;
}

/** Two services claiming one app version would render the same Kubernetes names. */
function checkAppVersions(riofile: Riofile, path: readonly (string | number)[], issues: IssueCollector): void {
  const seen = new Map<string, string>();
  for (const [name, s] of Object.entries(riofile.services)) {
    const key = `${s.app}@${s.version}`;
    const other = seen.get(key);
    if (other !== undefined) issues.add([...path, name], `services "${other}" and "${name}" are both app "${s.app}" version "${s.version}"`, { on: 'key', expected: 'a different version (or app)' });
    else seen.set(key, name);
  }
}
