import type { Autoscale, Dns, HostAlias, Permission, Service, Sidecar, VolumeTemplate } from '../model.js';
import type { IssueCollector } from '../locate.js';
import type { Path } from '../path.js';
import { parseDurationSeconds } from '../syntax/duration.js';
import { buildHostAlias, parseDnsOption, parseHostAlias } from '../syntax/hosts.js';
import { parsePermission } from '../syntax/permissions.js';
import { parseBytes } from '../syntax/quantity.js';
import { defaultBuild, normalizeContainer } from './container.js';
import { boolOf, fieldsOf, items, numberOf, optionalBool, parsed, setIf, stringOf, stringRecord, type Entry } from './fields.js';


/** One `services.<name>` entry -> `Service`, with Rio's defaults applied. */
export function normalizeService(name: string, raw: unknown, path: Path, issues: IssueCollector): Service {
  const f = fieldsOf(raw, 'service', path, issues);
  const container = normalizeContainer(f, issues);
  // Neither image nor build: Rio built the app repository itself (rio up in a repo); so do we.
  if (container.image === undefined && container.build === undefined) container.build = defaultBuild();
  // Object.assign, not `{...container, app, ...}`: V8 builds a spread followed by ~20 more
  // properties on a slow path (about 30x slower; it dominated validating 500 services).
  const service: Service = Object.assign({}, container, {
    app: stringOf(f.get('app')) ?? name,
    version: stringOf(f.get('version')) ?? 'v0',
    weight: numberOf(f.get('weight')) ?? 100,
    replicas: 1,
    rolloutDurationSeconds: 60,
    global: boolOf(f.get('global'), false),
    stageOnly: boolOf(f.get('stageOnly'), false),
    template: boolOf(f.get('template'), false),
    permissions: permissions(f.get('permissions'), issues),
    globalPermissions: permissions(f.get('globalPermissions'), issues),
    containers: sidecars(name, f.get('containers'), issues),
    hostAliases: hostAliases(f.get('hostAliases'), issues),
    hostNetwork: boolOf(f.get('hostNetwork'), false),
    imagePullSecrets: items(f.get('imagePullSecrets')).map((i) => String(i.value)),
    volumeTemplates: volumeTemplates(f.get('volumeTemplates'), issues),
    labels: stringRecord(f.get('labels')?.value),
    annotations: stringRecord(f.get('annotations')?.value),
  });
  scale(service, f.get('replicas'), f.get('autoscale'), issues);
  const rollout = f.get('rollout');
  if (rollout) {
    const r = fieldsOf(rollout.value, 'rollout', rollout.path, issues);
    service.rollout = { pause: boolOf(r.get('pause'), false) };
    setIf(service.rollout, 'increment', numberOf(r.get('increment')));
    setIf(service.rollout, 'intervalSeconds', seconds(r.get('intervalSeconds'), issues));
  }
  service.rolloutDurationSeconds = seconds(f.get('rolloutDuration'), issues) ?? 60;
  setIf(service, 'requestTimeoutSeconds', seconds(f.get('requestTimeoutSeconds'), issues));
  for (const key of ['maxUnavailable', 'maxSurge'] as const) {
    const v = f.get(key)?.value;
    if (v !== undefined) service[key] = typeof v === 'number' ? v : String(v);
  }
  setIf(service, 'serviceMesh', optionalBool(f.get('serviceMesh')));
  setIf(service, 'hostname', stringOf(f.get('hostname')));
  const dnsEntry = f.get('dns');
  if (dnsEntry) service.dns = dns(dnsEntry, issues);
  for (const key of ['nodeAffinity', 'podAffinity', 'podAntiAffinity'] as const) {
    const v = f.get(key)?.value;
    if (v !== undefined) service[key] = v as Record<string, unknown>;
  }
  // Rio: a volume named like a volume template uses the template's claim, so it is persistent.
  const templates = new Set(service.volumeTemplates.map((t) => t.name));
  for (const c of [service, ...service.containers]) for (const v of c.volumes) if (v.name && templates.has(v.name)) v.persistent = true;
  return service;
}

function seconds(entry: Entry | undefined, issues: IssueCollector): number | undefined {
  return entry ? parsed(parseDurationSeconds(entry.value as string | number), entry.path, entry.value, issues) : undefined;
}

/** `replicas: 3`, `replicas: "1-10"` (Rio's autoscale range) and `autoscale:` end up in replicas + autoscale. */
function scale(service: Service, replicas: Entry | undefined, autoscale: Entry | undefined, issues: IssueCollector): void {
  let range: Autoscale | undefined;
  if (replicas) {
    const text = String(replicas.value);
    const dash = text.indexOf('-');
    if (dash < 0) service.replicas = Number(text);
    else {
      const [min, max] = [Number(text.slice(0, dash)), Number(text.slice(dash + 1))];
      if (min > max) issues.add(replicas.path, `autoscale range ${text} has MIN above MAX`, { found: JSON.stringify(text), expected: 'MIN-MAX with MIN <= MAX' });
      range = { minReplicas: min, maxReplicas: max, concurrency: 10 };
      service.replicas = Math.max(min, 1);
    }
  }
  if (autoscale) {
    if (range) issues.add(autoscale.path, `both ${replicas!.key}: ${String(replicas!.value)} and autoscale set the autoscale range; keep one`, { on: 'key' });
    const a = fieldsOf(autoscale.value, 'autoscale', autoscale.path, issues);
    const max = numberOf(a.get('maxReplicas'));
    const min = numberOf(a.get('minReplicas')) ?? 1;
    if (max === undefined) {
      issues.add(autoscale.path, 'missing required key "maxReplicas"', { expected: 'maxReplicas' });
      return;
    }
    if (min > max) issues.add(a.get('minReplicas')!.path, `minReplicas ${min} is above maxReplicas ${max}`, { found: String(min), expected: `at most ${max}` });
    range = { minReplicas: min, maxReplicas: max, concurrency: numberOf(a.get('concurrency')) ?? 10 };
    if (!replicas) service.replicas = Math.max(min, 1);
  }
  if (range) service.autoscale = range;
}

function permissions(entry: Entry | undefined, issues: IssueCollector): Permission[] {
  const out: Permission[] = [];
  for (const { value, path } of items(entry)) {
    const p = parsed(parsePermission(String(value)), path, value, issues);
    if (p) out.push(p);
  }
  return out;
}

function sidecars(service: string, entry: Entry | undefined, issues: IssueCollector): Sidecar[] {
  const out: Sidecar[] = [];
  const names = new Map<string, number>([[service, -1]]);
  for (const { value, path } of items(entry)) {
    const f = fieldsOf(value, 'sidecar', path, issues);
    const name = stringOf(f.get('name'));
    if (name === undefined) {
      issues.add(path, 'missing required key "name" (containers need a unique name)', { expected: 'name' });
      continue;
    }
    if (names.has(name)) issues.add(f.get('name')!.path, names.get(name) === -1 ? `container name "${name}" is the service's own container name` : `container name "${name}" is used twice`, { found: JSON.stringify(name) });
    names.set(name, out.length);
    const c = normalizeContainer(f, issues);
    if (c.image === undefined && c.build === undefined) issues.add(path, `container "${name}" has neither image nor build`, { expected: 'image or build' });
    out.push(Object.assign({}, c, { name, init: boolOf(f.get('init'), false) }));
  }
  return out;
}

function hostAliases(entry: Entry | undefined, issues: IssueCollector): HostAlias[] {
  if (!entry) return [];
  if (typeof entry.value === 'object' && entry.value !== null && !Array.isArray(entry.value)) {
    // Map form: "h1,h2": IP.
    return Object.entries(entry.value as Record<string, unknown>).flatMap(([hosts, ip]) => {
      const a = parsed(buildHostAlias(String(ip), hosts.split(',').map((h) => h.trim())), [...entry.path, hosts], ip, issues);
      return a ? [a] : [];
    });
  }
  return items(entry).flatMap(({ value, path }) => {
    let a: HostAlias | undefined;
    if (typeof value === 'object' && value !== null) {
      const f = fieldsOf(value, 'hostAlias', path, issues);
      a = parsed(buildHostAlias(String(f.get('ip')!.value), (f.get('hostnames')!.value as unknown[]).map(String)), path, value, issues);
    } else a = parsed(parseHostAlias(String(value)), path, value, issues);
    return a ? [a] : [];
  });
}

function dns(entry: Entry, issues: IssueCollector): Dns {
  const f = fieldsOf(entry.value, 'dns', entry.path, issues);
  const policy = stringOf(f.get('policy'));
  const d: Dns = {
    nameservers: items(f.get('nameservers')).map((i) => String(i.value)),
    searches: items(f.get('searches')).map((i) => String(i.value)),
    options: [],
  };
  if (policy !== undefined) d.policy = policy === 'host' ? 'Default' : (policy as Dns['policy'] & string);
  for (const { value, path } of items(f.get('options'))) {
    if (typeof value === 'object' && value !== null) {
      const o = fieldsOf(value, 'dnsOption', path, issues);
      const opt: { name: string; value?: string } = { name: String(o.get('name')!.value) };
      setIf(opt, 'value', stringOf(o.get('value')));
      d.options.push(opt);
    } else {
      const opt = parsed(parseDnsOption(String(value)), path, value, issues);
      if (opt) d.options.push(opt);
    }
  }
  return d;
}

function volumeTemplates(entry: Entry | undefined, issues: IssueCollector): VolumeTemplate[] {
  return items(entry).flatMap(({ value, path }) => {
    const f = fieldsOf(value, 'volumeTemplate', path, issues);
    const storage = f.get('storage')!;
    const bytes = parsed(parseBytes(storage.value as string | number), storage.path, storage.value, issues);
    if (bytes === undefined) return [];
    const t: VolumeTemplate = {
      name: String(f.get('name')!.value),
      labels: stringRecord(f.get('labels')?.value),
      annotations: stringRecord(f.get('annotations')?.value),
      accessModes: items(f.get('accessModes')).map((i) => String(i.value)),
      storageBytes: bytes,
    };
    if (t.accessModes.length === 0) t.accessModes = ['ReadWriteOnce'];
    setIf(t, 'storageClassName', stringOf(f.get('storageClassName')));
    const mode = stringOf(f.get('volumeMode'));
    if (mode === 'Filesystem' || mode === 'Block') t.volumeMode = mode;
    return [t];
  });
}
