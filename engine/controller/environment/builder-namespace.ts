import type { BuilderEgress } from '../../config/types.js';
import type { KubeObject } from '../../kube/objects.js';
import type { EngineContext } from '../context.js';

const LABELS = { 'app.kubernetes.io/managed-by': 'ria', 'ria.dev/role': 'builds' };

/**
 * Pure: the objects of the builder namespace. Kaniko runs as root but needs no privilege, so
 * `baseline` is enforced. With `egress` set, build pods may reach only cluster DNS and those
 * ranges (a Dockerfile's RUN steps are the pull request author's code), and nothing may
 * connect to them; without it, no NetworkPolicy is written (SECURITY.md says so).
 * `builder.hostNetwork` (ria dev's one-node local cluster only: its registry and git server are
 * on the node's loopback) is a host namespace, which baseline forbids: then `privileged`.
 */
export function builderNamespaceObjects(namespace: string, egress: readonly BuilderEgress[] | undefined, hostNetwork = false): KubeObject[] {
  const level = hostNetwork ? 'privileged' : 'baseline';
  const out: KubeObject[] = [{
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: namespace, labels: { ...LABELS, 'pod-security.kubernetes.io/enforce': level, 'pod-security.kubernetes.io/warn': level } },
  }];
  if (egress) {
    out.push({
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
      metadata: { name: 'ria-builds-egress', namespace, labels: LABELS },
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [
          {
            to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
          },
          ...egress.map((e) => ({
            to: [{ ipBlock: { cidr: e.cidr } }],
            ...(e.ports?.length ? { ports: e.ports.map((port) => ({ protocol: 'TCP', port })) } : {}),
          })),
        ],
      },
    });
  }
  return out;
}

/**
 * Before a build Job is created: the builder namespace exists, holds copies of exactly the
 * Secrets this build mounts (from Ria's namespace, where the operator keeps them), and its
 * egress policy is current. Returns the Secrets not found (the build would hang without them).
 */
export async function prepareBuilderNamespace(ctx: EngineContext, namespace: string, secrets: readonly string[], egress: readonly BuilderEgress[] | undefined, hostNetwork = false): Promise<string[]> {
  for (const obj of builderNamespaceObjects(namespace, egress, hostNetwork)) await ctx.objects.apply(obj);
  if (!egress) await ctx.objects.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name: 'ria-builds-egress' });
  const missing: string[] = [];
  for (const name of [...new Set(secrets)].sort()) {
    const source = await ctx.objects.get({ apiVersion: 'v1', kind: 'Secret', namespace: ctx.namespace, name });
    if (!source) { missing.push(name); continue; }
    await ctx.objects.apply({
      apiVersion: 'v1', kind: 'Secret',
      metadata: { name, namespace, labels: { ...LABELS, 'ria.dev/copied-from': ctx.namespace } },
      ...(source.type ? { type: source.type } : {}),
      ...(source.data ? { data: source.data } : {}),
    });
  }
  return missing;
}

/** The Secrets a build Job mounts or reads (clone credential, push credential). */
export function jobSecrets(job: KubeObject): string[] {
  const spec = (job.spec as { template?: { spec?: Record<string, any> } } | undefined)?.template?.spec ?? {};
  const names = new Set<string>();
  for (const v of spec.volumes ?? []) if (v?.secret?.secretName) names.add(v.secret.secretName);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    for (const e of c?.env ?? []) if (e?.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
  }
  return [...names].sort();
}
