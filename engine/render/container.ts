import { SelfFieldPaths, type Container, type EnvVar, type Port } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { warn } from './context.js';
import { portName, transport } from './apps.js';
import { configMapName } from './volumes.js';
import { quantityBytes, quantityMillis } from './quantity.js';

/**
 * One Kubernetes container from a Riofile container. Fields are written in a fixed order and only
 * when set, so the output is stable and free of defaults the API server would add anyway.
 */
export function renderContainer(
  ctx: RenderContext,
  path: string,
  name: string,
  c: Container,
  image: string | undefined,
  volumeMounts: Record<string, unknown>[],
  usedPortNames: Set<string>,
): Record<string, unknown> {
  const ports = containerPorts(c.ports, usedPortNames);
  const env = c.env.flatMap((e, i) => envVar(ctx, `${path}.env[${i}]`, e));
  const resources = containerResources(ctx, c);
  const security = securityContext(c);
  return {
    name,
    image: image ?? '',
    ...(c.imagePullPolicy ? { imagePullPolicy: c.imagePullPolicy } : {}),
    ...(c.command.length > 0 ? { command: c.command } : {}),
    ...(c.args.length > 0 ? { args: c.args } : {}),
    ...(c.workingDir !== undefined ? { workingDir: c.workingDir } : {}),
    ...(ports.length > 0 ? { ports } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(resources ? { resources } : {}),
    ...(volumeMounts.length > 0 ? { volumeMounts } : {}),
    ...(c.livenessProbe ? { livenessProbe: probe(c.livenessProbe) } : {}),
    ...(c.readinessProbe ? { readinessProbe: probe(c.readinessProbe) } : {}),
    ...(security ? { securityContext: security } : {}),
    ...(c.stdin ? { stdin: true } : {}),
    ...(c.stdinOnce ? { stdinOnce: true } : {}),
    ...(c.tty ? { tty: true } : {}),
  };
}

/** Container ports; a name already used by another container of the pod is left off (names must be unique per pod). */
function containerPorts(ports: Port[], used: Set<string>): Record<string, unknown>[] {
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const p of ports) {
    const key = `${p.targetPort}/${transport(p)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const name = portName(p);
    const named = !used.has(name);
    if (named) used.add(name);
    out.push({
      ...(named ? { name } : {}),
      containerPort: p.targetPort,
      protocol: transport(p),
      ...(p.hostPort ? { hostPort: p.targetPort } : {}),
    });
  }
  return out;
}

/**
 * `secret://`, `config://` and `$(self/...)` become valueFrom. The downward API cannot put all
 * labels or annotations into one variable (only a volume can), so those are left out with a warning.
 */
function envVar(ctx: RenderContext, path: string, e: EnvVar): Record<string, unknown>[] {
  if ('value' in e) return [{ name: e.name, value: e.value }];
  if ('secretRef' in e) return [{ name: e.name, valueFrom: { secretKeyRef: { name: e.secretRef.name, key: e.secretRef.key } } }];
  if ('configRef' in e) return [{ name: e.name, valueFrom: { configMapKeyRef: { name: configMapName(e.configRef.name), key: e.configRef.key } } }];
  const fieldPath = SelfFieldPaths[e.fieldRef];
  if (fieldPath === 'metadata.labels' || fieldPath === 'metadata.annotations') {
    warn(ctx, 'EnvFieldUnsupported', path, `$(${e.fieldRef}) cannot be an environment variable in Kubernetes (only single keys can); ${e.name} is not set`);
    return [];
  }
  return [{ name: e.name, valueFrom: { fieldRef: { fieldPath } } }];
}

/** Requests from cpu/memory, else the cluster's default requests. Rio set no limits, nor do we. */
function containerResources(ctx: RenderContext, c: Container): Record<string, unknown> | undefined {
  const defaults = ctx.cluster.defaultRequests ?? {};
  const cpu = c.cpuMillis !== undefined ? quantityMillis(c.cpuMillis) : defaults.cpu;
  const memory = c.memoryBytes !== undefined ? quantityBytes(c.memoryBytes) : defaults.memory;
  if (cpu === undefined && memory === undefined) return undefined;
  return { requests: { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) } };
}

function securityContext(c: Container): Record<string, unknown> | undefined {
  const s = {
    ...(c.privileged !== undefined ? { privileged: c.privileged } : {}),
    ...(c.readOnlyRootFilesystem !== undefined ? { readOnlyRootFilesystem: c.readOnlyRootFilesystem } : {}),
    ...(c.runAsGroup !== undefined ? { runAsGroup: c.runAsGroup } : {}),
    ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : {}),
  };
  return Object.keys(s).length > 0 ? s : undefined;
}

/**
 * Probes pass through, except a port written as a numeric string: Rio's docs tell users to quote
 * it (`port: "9997"`), but Kubernetes reads a string port as a port *name* and rejects digits.
 */
export function probe(p: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(p);
  for (const handler of ['httpGet', 'tcpSocket', 'grpc']) {
    const h = out[handler] as Record<string, unknown> | undefined;
    if (h && typeof h === 'object' && typeof h.port === 'string' && /^\d+$/.test(h.port)) h.port = Number(h.port);
  }
  return out;
}
