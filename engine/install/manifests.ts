/**
 * Everything needed to run Ria in a cluster, as plain objects: a pure function of the options,
 * so `ria install --yaml` and `ria install` produce the same thing, and tests check its shape.
 * Order matters for applying: CRDs, then the namespace, then what lives in it.
 */
import { riaCrds } from '../crds/definitions.js';
import type { KubeObject } from '../kube/objects.js';
import { redactRepoUrl } from '../observe/redact.js';
import { RiaError } from '../errors.js';
import { ENVIRONMENT_PERMISSIONS_ROLE, ENVIRONMENT_ROLE, engineClusterRules, environmentPermissionRules, environmentRules, leaseRules, builderRules, secretReadRules } from './rbac.js';
import { builderNamespaceObjects } from '../controller/environment/builder-namespace.js';
import { builderNamespace } from '../controller/environment/cluster-settings.js';
import { admissionPolicy, DEFAULT_CERT_MANAGER_NAMESPACE, exposureAdmissionPolicy, namespaceAdmissionPolicy, routeAdmissionPolicy } from './admission-policy.js';
import { ownershipAdmissionPolicy } from './ownership-admission.js';
import { ENGINE_MEMORY_LIMIT_MIB, engineRuntimeEnv } from './runtime.js';
import { LEADER_LABEL } from '../leader/pod-label.js';

export const DEFAULT_NAMESPACE = 'ria-system';
export const ENGINE_NAME = 'ria-engine';
/** The Lease the engine replicas elect a leader on (in the install namespace). */
export const LEASE_NAME = 'ria-engine';
/** The webhook port: the only one the Service exposes (GitHub reaches it from the internet). */
export const HTTP_PORT = 8080;
/** Probes and /metrics: reached by the kubelet and Prometheus on the Pod IP, never through the Service. */
export const OPS_PORT = 9090;

/** Environment variables the engine entry point reads (engine/main.ts is the only reader). */
export const ENGINE_ENV = {
  Namespace: 'RIA_NAMESPACE',
  PodName: 'RIA_POD_NAME',
  ConfigRepo: 'RIA_CONFIG_REPO',
  ConfigBranch: 'RIA_CONFIG_BRANCH',
  ConfigPath: 'RIA_CONFIG_PATH',
  /** Name of a Secret (same namespace) with credentials for the config repo, read through the API. */
  ConfigSecret: 'RIA_CONFIG_SECRET',
  /** The GitHub webhook secret itself, from the Secret given at install (key `secret`). */
  WebhookSecret: 'RIA_WEBHOOK_SECRET',
  HttpPort: 'RIA_HTTP_PORT',
  OpsPort: 'RIA_OPS_PORT',
  LeaseName: 'RIA_LEASE_NAME',
  LogLevel: 'RIA_LOG_LEVEL',
} as const;

export interface InstallOptions {
  namespace?: string;
  image: string;
  configRepo: string;
  configBranch?: string;
  configPath?: string;
  /** Secret in the install namespace holding the config repo credentials. */
  configSecret?: string;
  /** Secret in the install namespace whose key `secret` is the GitHub webhook secret. */
  webhookSecret?: string;
  replicas?: number;
  logLevel?: string;
  /**
   * ClusterRoles apps may be bound to cluster-wide (Riofile `globalPermissions: role=NAME`, for
   * apps the config allows `globalPermissions`). Without any, the engine holds no cluster-wide
   * `bind` and the API server refuses every globalPermissions binding.
   */
  globalRoles?: string[];
  /**
   * Namespaces apps copy Secrets from (`secretsFrom` of apps/<app>.yaml): the engine may read
   * Secrets there (a Role per namespace) and, besides its own namespace, nowhere else.
   */
  secretsFrom?: string[];
  /**
   * cert-manager's namespace: its ServiceAccounts write the HTTP-01 solver's routes and the
   * CertificateRequests of environments, which the route admission policy lets them (default cert-manager).
   */
  certManagerNamespace?: string;
}

export class InstallError extends RiaError {
  constructor(message: string, data: Record<string, unknown> = {}, cause?: unknown) {
    super('InstallError', message, data, { cause });
  }
}

/** `https://user[:pass]@host` carries credentials; `git@host:repo` (ssh user name) does not. */
function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return Boolean(u.password || (u.username && u.protocol.startsWith('http')));
  } catch {
    return false;
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function installManifests(options: InstallOptions): KubeObject[] {
  const { namespace = DEFAULT_NAMESPACE, image, configRepo, configBranch = 'main', configPath = '.', configSecret, webhookSecret, replicas = 2, logLevel = 'info', globalRoles = [] } = options;
  const secretsFrom = [...new Set(options.secretsFrom ?? [])].sort();
  const certManagerNamespace = options.certManagerNamespace ?? DEFAULT_CERT_MANAGER_NAMESPACE;
  if (!DNS_LABEL.test(certManagerNamespace)) throw new InstallError(`--cert-manager-namespace "${certManagerNamespace}" is not a valid namespace name`, { namespace: certManagerNamespace });
  if (!DNS_LABEL.test(namespace)) throw new InstallError(`namespace "${namespace}" is not a valid DNS label`, { namespace });
  if (!image) throw new InstallError('an engine image is required', {});
  if (!configRepo) throw new InstallError('the config repository URL is required', {});
  // The Deployment spec is readable by anyone who can read Deployments: credentials go in a Secret.
  if (hasCredentials(configRepo)) {
    throw new InstallError(`the config repository URL must not contain credentials (${redactRepoUrl(configRepo)}); put them in a Secret and pass --config-secret`, {});
  }
  for (const [flag, name] of [['config-secret', configSecret], ['webhook-secret', webhookSecret]] as const) {
    if (name !== undefined && !DNS_LABEL.test(name)) throw new InstallError(`--${flag} "${name}" is not a valid Secret name`, { [flag]: name });
  }
  for (const role of globalRoles) {
    // Not a path segment, not a wildcard: RBAC matches resourceNames literally.
    if (!/^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$/.test(role)) throw new InstallError(`--global-role "${role}" is not a valid ClusterRole name`, { role });
    if (role === 'cluster-admin' || role.startsWith('system:')) {
      throw new InstallError(`--global-role "${role}": Ria does not bind ${role === 'cluster-admin' ? 'cluster-admin' : 'system roles'} for apps; name a ClusterRole made for them`, { role });
    }
  }
  for (const ns of secretsFrom) {
    if (!DNS_LABEL.test(ns)) throw new InstallError(`--secrets-from "${ns}" is not a valid namespace name`, { namespace: ns });
    if (ns.startsWith('kube-') || ns === namespace || ns === builderNamespace(namespace)) {
      throw new InstallError(`--secrets-from "${ns}": ${ns === namespace || ns === builderNamespace(namespace) ? 'Ria\'s own namespaces hold its credentials, not app Secrets' : 'Ria does not read Secrets of kube-* namespaces'}; name a namespace made for the apps' Secrets`, { namespace: ns });
    }
  }
  const labels = { 'app.kubernetes.io/name': 'ria', 'app.kubernetes.io/component': 'engine', 'app.kubernetes.io/part-of': 'ria', 'app.kubernetes.io/managed-by': 'ria' };
  const selector = { 'app.kubernetes.io/name': 'ria', 'app.kubernetes.io/component': 'engine' };
  const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace } : {}), labels });
  const subject = { kind: 'ServiceAccount', name: ENGINE_NAME, namespace };
  const builds = builderNamespace(namespace);

  const env: object[] = [
    { name: ENGINE_ENV.Namespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: ENGINE_ENV.PodName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: ENGINE_ENV.ConfigRepo, value: configRepo },
    { name: ENGINE_ENV.ConfigBranch, value: configBranch },
    { name: ENGINE_ENV.ConfigPath, value: configPath },
    { name: ENGINE_ENV.HttpPort, value: String(HTTP_PORT) },
    { name: ENGINE_ENV.OpsPort, value: String(OPS_PORT) },
    { name: ENGINE_ENV.LeaseName, value: LEASE_NAME },
    { name: ENGINE_ENV.LogLevel, value: logLevel },
    // The git cache and anything else written at runtime goes to the emptyDir (root fs is read-only).
    { name: 'HOME', value: '/tmp' },
    // Node.js sized for the container's memory limit (runtime.ts says why).
    ...Object.entries(engineRuntimeEnv(ENGINE_MEMORY_LIMIT_MIB)).map(([name, value]) => ({ name, value })),
    ...(configSecret ? [{ name: ENGINE_ENV.ConfigSecret, value: configSecret }] : []),
    ...(webhookSecret ? [{ name: ENGINE_ENV.WebhookSecret, valueFrom: { secretKeyRef: { name: webhookSecret, key: 'secret' } } }] : []),
  ];
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port: 'ops' }, periodSeconds, failureThreshold, timeoutSeconds: 2,
  });

  return [
    ...riaCrds.map((crd) => structuredClone(crd) as KubeObject),
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(namespace, false) },
    // Exactly as the engine applies it before a build (same field manager: no tug of war over labels).
    builderNamespaceObjects(builds, undefined)[0] as unknown as KubeObject,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(ENGINE_NAME, false),
      rules: engineClusterRules({ globalRoles, crdNames: riaCrds.map((c) => c.metadata.name) }).map((r) => r.rule) },
    // Bound per environment namespace (by the engine, to the environment's ServiceAccount).
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(ENVIRONMENT_ROLE, false), rules: environmentRules().map((r) => r.rule) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: meta(ENVIRONMENT_PERMISSIONS_ROLE, false), rules: environmentPermissionRules().map((r) => r.rule) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ENGINE_NAME) },
    // Named after the namespace: the binding belongs to this install (the ClusterRole is the same for all).
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: meta(`${ENGINE_NAME}-${namespace}`, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ENGINE_NAME }, subjects: [subject] },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`${ENGINE_NAME}-leader-election`), rules: leaseRules(LEASE_NAME).map((r) => r.rule) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: meta(`${ENGINE_NAME}-leader-election`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${ENGINE_NAME}-leader-election` }, subjects: [subject] },
    // Secrets: read here and in the --secrets-from namespaces only (no cluster-wide Secret right).
    ...[namespace, ...secretsFrom].flatMap((ns) => {
      const name = ns === namespace ? `${ENGINE_NAME}-secrets` : `${ENGINE_NAME}-${namespace}-secrets-from`;
      return [
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { ...meta(name), namespace: ns }, rules: secretReadRules(ns === namespace ? 'ria' : 'secrets-from').map((r) => r.rule) },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { ...meta(name), namespace: ns },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects: [subject] },
      ];
    }),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { ...meta(`${ENGINE_NAME}-builds`), namespace: builds }, rules: builderRules().map((r) => r.rule) },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { ...meta(`${ENGINE_NAME}-builds`), namespace: builds },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${ENGINE_NAME}-builds` }, subjects: [subject] },
    // Before the engine starts: it never runs without the admission policy that bounds its writes.
    ...admissionPolicy({ namespace, engineServiceAccount: ENGINE_NAME, name: `${ENGINE_NAME}-${namespace}`, labels }),
    ...routeAdmissionPolicy({ name: `${ENGINE_NAME}-routes-${namespace}`, labels, certManagerNamespace }),
    ...namespaceAdmissionPolicy({ namespace, engineServiceAccount: ENGINE_NAME, name: `${ENGINE_NAME}-namespaces-${namespace}`, labels }),
    ...exposureAdmissionPolicy({ name: `${ENGINE_NAME}-exposure-${namespace}`, labels, certManagerNamespace }),
    ...ownershipAdmissionPolicy({ namespace, engineServiceAccount: ENGINE_NAME, name: `${ENGINE_NAME}-ownership-${namespace}`, labels }),
    // Only the leader's Pod (labelled while it leads): webhooks must reach the replica that acts.
    // Only the webhook port: whatever exposes this Service to GitHub exposes nothing else.
    { apiVersion: 'v1', kind: 'Service', metadata: meta(ENGINE_NAME), spec: {
      type: 'ClusterIP', selector: { ...selector, [LEADER_LABEL]: 'true' },
      ports: [{ name: 'webhook', port: HTTP_PORT, targetPort: 'webhook', protocol: 'TCP' }],
    } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(ENGINE_NAME), spec: {
      // Two replicas: the standby takes over through the Lease within seconds if the leader dies.
      replicas, selector: { matchLabels: selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } },
      template: {
        // Prometheus scrapes each replica on the operations port (the standby's metrics count too).
        metadata: { labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(OPS_PORT), 'prometheus.io/path': '/metrics' } },
        spec: {
          serviceAccountName: ENGINE_NAME,
          automountServiceAccountToken: true,
          // Time to finish a reconcile step and release the Lease on SIGTERM.
          terminationGracePeriodSeconds: 30,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{
            weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
          }] } },
          containers: [{
            name: 'engine', image, imagePullPolicy: 'IfNotPresent', args: ['engine'], env,
            ports: [{ name: 'webhook', containerPort: HTTP_PORT, protocol: 'TCP' }, { name: 'ops', containerPort: OPS_PORT, protocol: 'TCP' }],
            // Liveness starts once the process has listened: loading the engine's modules took
            // over 30 s on a busy 2-core node, and liveness alone killed it before it ever served.
            startupProbe: probe('/healthz', 2, 90),
            livenessProbe: probe('/healthz', 10, 3),
            readinessProbe: probe('/readyz', 5, 2),
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: `${ENGINE_MEMORY_LIMIT_MIB}Mi` } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '2Gi' } }],
        },
      },
    } },
  ];
}
