import type { Build, Container, DataMount, EnvVar, Port, Volume } from '../model.js';
import type { IssueCollector } from '../locate.js';
import { parseDurationSeconds } from '../syntax/duration.js';
import { parseEnv, parseEnvValue } from '../syntax/env.js';
import { buildDataMount, parseDataMount } from '../syntax/mounts.js';
import { checkPortName, defaultExpose, parsePort, protocolOf } from '../syntax/ports.js';
import { parseBytes, parseCpuMillis } from '../syntax/quantity.js';
import { fail, ok } from '../syntax/result.js';
import { shellSplit } from '../syntax/shlex.js';
import { checkVolume, hostPathTypeOf, parseVolume } from '../syntax/volumes.js';
import { boolOf, canonicalObject, fieldsOf, items, optionalBool, parsed, setIf, stringOf, type Entry, type Fields } from './fields.js';
import type { Path } from '../path.js';

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;

/** The fields every container shares; `fields` come from a service or a sidecar entry. */
export function normalizeContainer(fields: Fields, issues: IssueCollector): Container {
  const c: Container = {
    command: words(fields.get('command'), issues),
    args: words(fields.get('args'), issues),
    env: env(fields.get('env'), issues),
    ports: ports(fields.get('ports'), issues),
    secrets: mounts(fields.get('secrets'), 'secret', issues),
    configs: mounts(fields.get('configs'), 'config', issues),
    volumes: volumes(fields.get('volumes'), issues),
    stdin: boolOf(fields.get('stdin'), false),
    stdinOnce: boolOf(fields.get('stdinOnce'), false),
    tty: boolOf(fields.get('tty'), false),
  };
  const image = stringOf(fields.get('image'));
  const buildEntry = fields.get('build');
  if (buildEntry) c.build = build(buildEntry, issues);
  if (image !== undefined && /^\.\.?(\/|$)/.test(image)) {
    // Rio's `image: ./`: build this directory of the app repository.
    if (buildEntry) issues.add(fields.get('image')!.path, 'image is a directory to build, but build is also set; use build.context', { found: JSON.stringify(image) });
    else c.build = { ...defaultBuild(), context: image };
  } else {
    setIf(c, 'image', image);
  }
  setIf(c, 'workingDir', stringOf(fields.get('workingDir')));
  const cpu = fields.get('cpuMillis');
  if (cpu) {
    // A bare number under the key `cpuMillis` means millicores; under `cpus`/`cpu` it means cores.
    const millisKey = cpu.key === 'cpuMillis' || cpu.key === 'cpu_millis';
    const value = millisKey && typeof cpu.value === 'number' ? ok(Math.ceil(cpu.value)) : parseCpuMillis(cpu.value as string | number);
    setIf(c, 'cpuMillis', parsed(value, cpu.path, cpu.value, issues));
  }
  const memory = fields.get('memoryBytes');
  if (memory) setIf(c, 'memoryBytes', parsed(parseBytes(memory.value as string | number), memory.path, memory.value, issues));
  for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
    const entry = fields.get(probe);
    if (entry) c[probe] = canonicalObject(fieldsOf(entry.value, 'probe', entry.path, issues));
  }
  const policy = fields.get('imagePullPolicy');
  if (policy) c.imagePullPolicy = PULL_POLICIES.find((p) => p.toLowerCase() === String(policy.value).toLowerCase())!;
  for (const key of ['runAsUser', 'runAsGroup'] as const) {
    const entry = fields.get(key);
    if (entry) c[key] = Number(entry.value);
  }
  setIf(c, 'readOnlyRootFilesystem', optionalBool(fields.get('readOnlyRootFilesystem')));
  setIf(c, 'privileged', optionalBool(fields.get('privileged')));
  checkDuplicates(c, fields, issues);
  return c;
}

export function defaultBuild(): Build {
  return { dockerfile: 'Dockerfile', context: '.', args: {}, noCache: false, pr: false, tag: false };
}

function build(entry: Entry, issues: IssueCollector): Build {
  const f = fieldsOf(entry.value, 'build', entry.path, issues);
  const b = defaultBuild();
  for (const key of ['repo', 'branch', 'revision', 'pushRegistry', 'pushRegistrySecretName', 'imageName', 'cloneSecretName', 'webhookSecretName', 'tagInclude', 'tagExclude', 'template'] as const) {
    setIf(b, key, stringOf(f.get(key)));
  }
  b.dockerfile = stringOf(f.get('dockerfile')) ?? b.dockerfile;
  b.context = stringOf(f.get('context')) ?? b.context;
  b.noCache = boolOf(f.get('noCache'), false);
  b.pr = boolOf(f.get('pr'), false);
  b.tag = boolOf(f.get('tag'), false);
  setIf(b, 'stageOnly', optionalBool(f.get('stageOnly')));
  const timeout = f.get('timeout');
  if (timeout) setIf(b, 'timeoutSeconds', parsed(parseDurationSeconds(timeout.value as string | number), timeout.path, timeout.value, issues));
  const args = f.get('args');
  if (args && Array.isArray(args.value)) {
    for (const item of items(args)) {
      const text = String(item.value);
      const eq = text.indexOf('=');
      b.args[eq < 0 ? text : text.slice(0, eq)] = eq < 0 ? '' : text.slice(eq + 1);
    }
  } else if (args) {
    for (const [k, v] of Object.entries(args.value as Record<string, unknown>)) b.args[k] = String(v);
  }
  return b;
}

function words(entry: Entry | undefined, issues: IssueCollector): string[] {
  if (!entry) return [];
  if (Array.isArray(entry.value)) return entry.value.map(String);
  return parsed(shellSplit(String(entry.value)), entry.path, entry.value, issues) ?? [];
}

function ports(entry: Entry | undefined, issues: IssueCollector): Port[] {
  const out: Port[] = [];
  for (const { value, path } of items(entry)) {
    const port = typeof value === 'object' && value !== null ? portObject(value, path, issues) : parsed(parsePort(String(value)), path, value, issues);
    if (port) out.push(port);
  }
  return out;
}

function portObject(value: object, path: Path, issues: IssueCollector): Port | undefined {
  const f = fieldsOf(value, 'portObject', path, issues);
  const protocolEntry = f.get('protocol');
  const protocol = protocolEntry ? protocolOf(String(protocolEntry.value)) : 'http';
  if (!protocol) return void parsed(fail(`unknown protocol "${String(protocolEntry!.value)}"`, 'one of tcp, udp, sctp, http, http2, grpc'), protocolEntry!.path, protocolEntry!.value, issues);
  const port = Number(f.get('port')!.value);
  const result: Port = {
    port,
    targetPort: Number(f.get('targetPort')?.value ?? port),
    protocol,
    expose: optionalBool(f.get('expose')) ?? defaultExpose(protocol),
    hostPort: boolOf(f.get('hostport'), false),
  };
  const name = f.get('name');
  if (name) {
    const bad = checkPortName(String(name.value));
    if (bad) return void parsed(fail(bad, 'a name like "web" or "http-admin"'), name.path, name.value, issues);
    result.name = String(name.value);
  }
  return result;
}

function env(entry: Entry | undefined, issues: IssueCollector): EnvVar[] {
  if (!entry) return [];
  const out: EnvVar[] = [];
  if (!Array.isArray(entry.value)) {
    for (const [k, v] of Object.entries(entry.value as Record<string, unknown>)) {
      const e = parsed(parseEnvValue(k, String(v)), [...entry.path, k], v, issues);
      if (e) out.push(e);
    }
    return out;
  }
  for (const { value, path } of items(entry)) {
    const e = typeof value === 'object' && value !== null ? envObject(value, path, issues) : parsed(parseEnv(String(value)), path, value, issues);
    if (e) out.push(e);
  }
  return out;
}

function envObject(value: object, path: Path, issues: IssueCollector): EnvVar | undefined {
  const f = fieldsOf(value, 'envObject', path, issues);
  const name = String(f.get('name')!.value);
  const secret = stringOf(f.get('secretName'));
  const config = stringOf(f.get('configMapName'));
  const key = stringOf(f.get('key'));
  if (secret !== undefined || config !== undefined) {
    if (secret !== undefined && config !== undefined) return void issues.add(path, 'an environment variable reads either secretName or configMapName, not both');
    if (key === undefined) return void issues.add(path, `missing required key "key" (the key in the ${secret !== undefined ? 'Secret' : 'config'})`, { expected: 'key' });
    return secret !== undefined ? { name, secretRef: { name: secret, key } } : { name, configRef: { name: config!, key } };
  }
  return parsed(parseEnvValue(name, stringOf(f.get('value')) ?? ''), path, value, issues);
}

function mounts(entry: Entry | undefined, kind: 'secret' | 'config', issues: IssueCollector): DataMount[] {
  const out: DataMount[] = [];
  for (const { value, path } of items(entry)) {
    let mount: DataMount | undefined;
    if (typeof value === 'object' && value !== null) {
      const f = fieldsOf(value, 'mountObject', path, issues);
      mount = parsed(buildDataMount(kind, String(f.get('name')!.value), stringOf(f.get('key')), stringOf(f.get('target'))), path, value, issues);
    } else {
      mount = parsed(parseDataMount(String(value), kind), path, value, issues);
    }
    if (mount) out.push(mount);
  }
  return out;
}

function volumes(entry: Entry | undefined, issues: IssueCollector): Volume[] {
  const out: Volume[] = [];
  for (const { value, path } of items(entry)) {
    let volume: Volume | undefined;
    if (typeof value === 'object' && value !== null) {
      const f = fieldsOf(value, 'volumeObject', path, issues);
      const v: Volume = { path: String(f.get('path')!.value), persistent: boolOf(f.get('persistent'), false) };
      setIf(v, 'name', stringOf(f.get('name')));
      setIf(v, 'hostPath', stringOf(f.get('hostpath')));
      const type = f.get('hostPathType');
      if (type) {
        const t = hostPathTypeOf(String(type.value));
        if (!t) {
          parsed(fail(`"${String(type.value)}" is not a host path type`, 'DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice'), type.path, type.value, issues);
          continue;
        }
        v.hostPathType = t;
      }
      volume = parsed(checkVolume(v), path, value, issues);
    } else {
      volume = parsed(parseVolume(String(value)), path, value, issues);
    }
    if (volume) out.push(volume);
  }
  return out;
}

/** Two ports with one number, or two variables with one name, are almost always a copy-paste slip. */
function checkDuplicates(c: Container, fields: Fields, issues: IssueCollector): void {
  const portEntries = items(fields.get('ports'));
  const seen = new Map<string, number>();
  c.ports.forEach((p, i) => {
    const key = `${p.port}/${p.protocol === 'udp' ? 'udp' : p.protocol === 'sctp' ? 'sctp' : 'tcp'}`;
    const path = portEntries[i]?.path ?? [];
    if (seen.has(key)) issues.add(path, `port ${p.port} is already defined by ports[${seen.get(key)}]`, { found: String(p.port) });
    else seen.set(key, i);
  });
  const names = new Set<string>();
  const envEntries = fields.get('env');
  c.env.forEach((e, i) => {
    if (names.has(e.name)) issues.add(Array.isArray(envEntries?.value) ? [...envEntries!.path, i] : envEntries?.path ?? [], `environment variable "${e.name}" is set twice`, { found: e.name });
    names.add(e.name);
  });
}
