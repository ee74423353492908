/**
 * The normalized Riofile model: what `parseRiofile` returns and what the renderer consumes.
 *
 * Everything here is canonical: aliases are folded (`scale` -> `replicas`), snake_case keys are
 * camelCase, string syntaxes are parsed into structured values (`"80:8080/http,web"` -> `Port`),
 * quantities are numbers in base units, and defaults are applied, so a renderer never has to know
 * the surface syntax. Optional fields are absent (never `null`) when the user did not set them and
 * Ria has no default; the renderer then leaves the Kubernetes field unset.
 */

/** The whole file. Maps keep the user's order of keys. */
export interface Riofile {
  /** `plain-kubernetes` when the file was Kubernetes YAML (objects with `kind`), not a Riofile. */
  format: 'riofile' | 'plain-kubernetes';
  /** Service name -> service. A service name is also the default `app`. */
  services: Record<string, Service>;
  /** ConfigMap name -> data (key -> string). */
  configs: Record<string, Record<string, string>>;
  routers: Record<string, Router>;
  externalServices: Record<string, ExternalService>;
  /** Parsed objects from `kubernetes.manifest` (or every document of a plain-Kubernetes file), applied as-is. */
  kubernetesManifests: KubernetesObject[];
  /** The `template:` section as declared (it has already been expanded into the rest of the model). */
  template?: Template;
}

/** A parsed Kubernetes object; only `apiVersion` and `kind` are checked. */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; generateName?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type Protocol = 'tcp' | 'udp' | 'sctp' | 'http' | 'http2' | 'grpc';

/** One port, from `[servicePort:]containerPort[/protocol][,name][,expose[=bool]|,internal][,hostport][,name=x]` or an object. */
export interface Port {
  /** The Service port. */
  port: number;
  /** The container port (equals `port` when only one number was given). */
  targetPort: number;
  /** Default `http`. */
  protocol: Protocol;
  name?: string;
  /** Exposed through the router (public endpoint). Default: true for `http` and `http2`, false otherwise (Rio's rule). */
  expose: boolean;
  /** Also bind the port on the node. Default false. */
  hostPort: boolean;
}

/** Downward-API sources Rio accepted as `$(self/...)`. */
export const SelfFieldPaths = {
  'self/name': 'metadata.name',
  'self/namespace': 'metadata.namespace',
  'self/labels': 'metadata.labels',
  'self/annotations': 'metadata.annotations',
  'self/node': 'spec.nodeName',
  'self/serviceAccount': 'spec.serviceAccountName',
  'self/hostIp': 'status.hostIP',
  'self/nodeIp': 'status.hostIP',
  'self/ip': 'status.podIP',
} as const;
export type SelfField = keyof typeof SelfFieldPaths;

/** A key of a Secret or ConfigMap. */
export interface KeyRef {
  name: string;
  key: string;
}

/** An environment variable. Exactly one of `value`, `secretRef`, `configRef`, `fieldRef`. */
export type EnvVar =
  | { name: string; value: string }
  | { name: string; secretRef: KeyRef }
  | { name: string; configRef: KeyRef }
  | { name: string; fieldRef: SelfField };

/** A Secret or config mounted as files: `name[/key][:target]`. */
export interface DataMount {
  name: string;
  /** Absent: every key of the object is mounted as a file in `target`. */
  key?: string;
  /** Absolute path. Default `/run/secrets/<name>` or `/run/configs/<name>` (Rio's defaults). */
  target: string;
}

export type HostPathType = 'DirectoryOrCreate' | 'Directory' | 'FileOrCreate' | 'File' | 'Socket' | 'CharDevice' | 'BlockDevice';

/** A volume mount: `name:/path[,persistent=true]`, `/hostpath:/path[,hosttype=...]` or `/path` (anonymous). */
export interface Volume {
  /** A named volume (emptyDir, or a PVC when `persistent`, or a `volumeTemplates` entry of that name). */
  name?: string;
  /** Where it is mounted in the container. */
  path: string;
  /** A node directory; set instead of `name`. */
  hostPath?: string;
  hostPathType?: HostPathType;
  /** Backed by a PersistentVolumeClaim rather than an emptyDir. Default false. */
  persistent: boolean;
}

/**
 * An RBAC rule or role binding from strings like `'create,get,list certmanager.k8s.io/*'`,
 * `'* configmaps'`, `'role=cluster-admin'`, `'get /pods/log'`, `'get url=/healthz'`.
 */
export interface Permission {
  /** Empty when `role` is set. A single resource word means read (`get,list,watch`). */
  verbs: string[];
  /** `''` is the core group. */
  apiGroup: string;
  /** May be `*` or a subresource such as `pods/log`. Empty when `role` or `nonResourceURL` is set. */
  resource: string;
  resourceNames?: string[];
  /** Bind this existing (Cluster)Role instead of creating a rule. */
  role?: string;
  nonResourceURL?: string;
}

/** Fields every container has: the service's main container and each entry of `containers`. */
export interface Container {
  /** Image reference. Absent when `build` supplies the image. */
  image?: string;
  build?: Build;
  /** Entry point; `[]` keeps the image's ENTRYPOINT. Shell-style strings are split like a shell would. */
  command: string[];
  /** `[]` keeps the image's CMD. */
  args: string[];
  workingDir?: string;
  env: EnvVar[];
  ports: Port[];
  secrets: DataMount[];
  configs: DataMount[];
  volumes: Volume[];
  /** CPU request in millicores (`100m` -> 100, `0.5` -> 500). */
  cpuMillis?: number;
  /** Memory request in bytes (`100Mi` -> 104857600). */
  memoryBytes?: number;
  /** A Kubernetes Probe object, passed through. */
  livenessProbe?: Record<string, unknown>;
  readinessProbe?: Record<string, unknown>;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
}

/** A sidecar or init container (`containers:` entry). */
export interface Sidecar extends Container {
  name: string;
  /** Runs to completion before the main container starts. Default false. */
  init: boolean;
}

/** Build the image from source. Ria's config repo supplies repo/registry/secrets; these override per service. */
export interface Build {
  repo?: string;
  /** Absent: the branch Ria tracks. */
  branch?: string;
  revision?: string;
  /** Default `Dockerfile`. */
  dockerfile: string;
  /** Default `.`. */
  context: string;
  /** Build args (`K=V`), in order. */
  args: Record<string, string>;
  /** Default false. */
  noCache: boolean;
  /** Absent: the config's build timeout (`builder.timeout`); a Riofile can only lower it. */
  timeoutSeconds?: number;
  pushRegistry?: string;
  pushRegistrySecretName?: string;
  imageName?: string;
  cloneSecretName?: string;
  webhookSecretName?: string;
  /** Build pull requests into staged versions. Default false. */
  pr: boolean;
  /** Build tags. Default false. */
  tag: boolean;
  tagInclude?: string;
  tagExclude?: string;
  /** Rio's build-template name (Rio default `buildkit`). */
  template?: string;
  /** New versions built from this service get no traffic. */
  stageOnly?: boolean;
}

export interface Autoscale {
  /** Default 1. */
  minReplicas: number;
  maxReplicas: number;
  /** Target in-flight requests per pod. Default 10; 0 = unlimited. */
  concurrency: number;
}

export interface Rollout {
  /** Weight percent added per step. */
  increment?: number;
  intervalSeconds?: number;
  /** Hold the rollout where it is. Default false. */
  pause: boolean;
}

export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export type DnsPolicy = 'ClusterFirst' | 'ClusterFirstWithHostNet' | 'Default' | 'None';

export interface Dns {
  /** Rio's `host` is folded to `Default` (the node's resolver). */
  policy?: DnsPolicy;
  nameservers: string[];
  searches: string[];
  /** `name[:value]` strings parsed. */
  options: { name: string; value?: string }[];
}

export interface VolumeTemplate {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Default `['ReadWriteOnce']`. */
  accessModes: string[];
  /** Requested size in bytes. */
  storageBytes: number;
  storageClassName?: string;
  volumeMode?: 'Filesystem' | 'Block';
}

/**
 * One deployable version of an app. A service with neither `image` nor `build` gets a default
 * `build` (this repository, `Dockerfile`, context `.`), as `rio up` built the repository itself;
 * `image: ./dir` becomes `build.context: ./dir` with no `image`.
 */
export interface Service extends Container {
  /** Default: the service name. */
  app: string;
  /** Default `v0`. */
  version: string;
  /** Traffic weight percent. Default 100. */
  weight: number;
  /** Default 1. Ignored while `autoscale` is set (it seeds the initial replica count). */
  replicas: number;
  autoscale?: Autoscale;
  rollout?: Rollout;
  /** Time to shift weight to a new version. Default 60. */
  rolloutDurationSeconds: number;
  /** Integer or percent string (`"25%"`). */
  maxUnavailable?: number | string;
  maxSurge?: number | string;
  /** One pod per node (DaemonSet). Default false. */
  global: boolean;
  serviceMesh?: boolean;
  requestTimeoutSeconds?: number;
  /** New versions get no traffic until promoted. Default false. */
  stageOnly: boolean;
  /** A new version per commit instead of updating in place. Default false. */
  template: boolean;
  permissions: Permission[];
  globalPermissions: Permission[];
  containers: Sidecar[];
  hostname?: string;
  hostAliases: HostAlias[];
  hostNetwork: boolean;
  imagePullSecrets: string[];
  volumeTemplates: VolumeTemplate[];
  dns?: Dns;
  /** Kubernetes NodeAffinity / PodAffinity / PodAntiAffinity objects, passed through. */
  nodeAffinity?: Record<string, unknown>;
  podAffinity?: Record<string, unknown>;
  podAntiAffinity?: Record<string, unknown>;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A string matcher; exactly one key. Rio's docs spelled `regexp` as `regxp`. */
export type StringMatch = { exact: string } | { prefix: string } | { regexp: string };

export interface RouteMatch {
  path?: StringMatch;
  scheme?: StringMatch;
  methods: string[];
  headers: { name: string; value: StringMatch }[];
}

export interface RouteTarget {
  app: string;
  version?: string;
  port?: number;
  weight?: number;
  namespace?: string;
}

export interface HeaderOps {
  add: { name: string; value: string }[];
  set: { name: string; value: string }[];
  remove: string[];
}

export interface Route {
  match?: RouteMatch;
  to: RouteTarget[];
  redirect?: { host?: string; path?: string; toHTTPS: boolean };
  rewrite?: { host?: string; path?: string };
  headers?: HeaderOps;
  retry?: { attempts: number; timeoutSeconds?: number };
  timeoutSeconds?: number;
  fault?: { percentage: number; delayMillis?: number; abortHTTPStatus?: number };
  mirror?: { app: string; version?: string; port?: number; namespace?: string };
}

export interface Router {
  /** Only reachable inside the cluster. Default false. */
  internal: boolean;
  routes: Route[];
}

/** Exactly one kind of target is set. */
export interface ExternalService {
  ipAddresses: string[];
  fqdn?: string;
  targetApp?: string;
  targetVersion?: string;
  targetRouter?: string;
  targetServiceNamespace?: string;
}

export type QuestionType = 'string' | 'int' | 'bool' | 'enum' | 'password' | 'multiline';

export interface Question {
  variable: string;
  label?: string;
  description?: string;
  /** Default `string`. */
  type: QuestionType;
  required: boolean;
  default?: string;
  options: string[];
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
}

export interface Template {
  goTemplate: boolean;
  envSubst: boolean;
  questions: Question[];
}
