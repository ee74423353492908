import { containerFields } from './defs-container.js';
import { PATTERNS } from './patterns.js';
import { bool, field, int, list, passThrough, str, stringMap, type JsonSchema, type ObjectSpec } from './spec.js';

const duration: JsonSchema = { type: ['string', 'integer'], pattern: PATTERNS.duration, minimum: 0 };
const intOrPercent: JsonSchema = { type: ['integer', 'string'], minimum: 0, pattern: PATTERNS.percent };
const permissions: JsonSchema = {
  type: ['array', 'string'],
  pattern: PATTERNS.permission,
  items: { type: 'string', pattern: PATTERNS.permission },
};
const obj = (def: string): JsonSchema => ({ type: 'object', $ref: `#/$defs/${def}` });

export const serviceDefs: Record<string, ObjectSpec> = {
  service: {
    description: 'A service: one version of an app, with its containers, ports, scale and permissions.',
    fields: {
      app: field('App name (no "--"); versions of one app share its endpoint. Default: the service name.', str({ pattern: PATTERNS.name })),
      version: field('Version of the app this service is (no "--"). Default v0.', str({ pattern: PATTERNS.name })),
      weight: field('Percent of the app traffic sent to this version. Default 100.', int(0, 100)),
      replicas: field('Number of pods. Default 1. `MIN-MAX` (e.g. 1-10) autoscales between MIN and MAX.', { type: ['integer', 'string'], minimum: 0, pattern: PATTERNS.scale }, ['scale']),
      autoscale: field('Scale on in-flight requests: {concurrency, minReplicas, maxReplicas}.', obj('autoscale')),
      rollout: field('How weight shifts to a new version: {increment, intervalSeconds, pause}.', obj('rollout')),
      rolloutDuration: field('Time to shift all weight to a new version (seconds or 1m30s). Default 60s.', duration),
      maxUnavailable: field('Pods that may be unavailable during an update: a number or a percent (25%).', intOrPercent),
      maxSurge: field('Pods that may be created above the desired count during an update: a number or a percent.', intOrPercent),
      global: field('Run one pod per node (DaemonSet). Default false.', bool),
      serviceMesh: field('Inject the service mesh sidecar. Default: the cluster setting.', bool),
      requestTimeoutSeconds: field('Timeout for requests through the router (seconds or a duration).', duration),
      stageOnly: field('New versions of this service get no traffic until promoted. Default false.', bool),
      template: field('Make a new version per commit instead of updating in place. Default false.', bool),
      permissions: field("RBAC in the service's namespace: 'create,get,list certmanager.k8s.io/*', '* configmaps', 'role=NAME', 'get /pods/log'.", permissions, ['permission']),
      globalPermissions: field('Cluster-wide RBAC, same syntax as permissions.', permissions, ['globalPermission']),
      containers: field('Sidecar and init containers.', list({ type: 'object', $ref: '#/$defs/sidecar' })),
      hostname: field('Pod hostname.', str()),
      hostAliases: field('Extra /etc/hosts entries: "h1,h2=IP" strings, a map "h1,h2": IP, or {ip, hostnames} objects.', {
        type: ['array', 'object', 'string'],
        pattern: PATTERNS.hostAlias,
        items: { type: ['string', 'object'], pattern: PATTERNS.hostAlias, $ref: '#/$defs/hostAlias' },
        additionalProperties: { type: 'string' },
      }, ['hosts']),
      hostNetwork: field("Use the node's network namespace. Default false.", bool),
      imagePullSecrets: field('Secrets used to pull the images.', { type: ['array', 'string'], items: str() }, ['pullSecrets']),
      volumeTemplates: field('PersistentVolumeClaims to create, referenced by name from volumes.', list(obj('volumeTemplate'))),
      dns: field('Pod DNS: {policy, nameservers, searches, options}.', obj('dns')),
      nodeAffinity: field('Kubernetes NodeAffinity.', passThrough),
      podAffinity: field('Kubernetes PodAffinity.', passThrough),
      podAntiAffinity: field('Kubernetes PodAntiAffinity.', passThrough),
      labels: field('Labels for the workload and its pods.', stringMap),
      annotations: field('Annotations for the workload and its pods.', stringMap),
      ...containerFields,
    },
  },
  autoscale: {
    description: 'Autoscaling on in-flight requests.',
    fields: {
      concurrency: field('Target in-flight requests per pod. Default 10; 0 means unlimited.', int(0)),
      minReplicas: field('Fewest pods. Default 1.', int(0), ['minScale', 'min']),
      maxReplicas: field('Most pods.', int(1), ['maxScale', 'max']),
    },
  },
  rollout: {
    description: 'Gradual traffic shift to a new version.',
    fields: {
      increment: field('Weight percent added per step.', int(1, 100)),
      intervalSeconds: field('Time between steps (seconds or a duration).', duration, ['interval']),
      pause: field('Hold the rollout where it is. Default false.', bool),
    },
  },
  hostAlias: {
    description: 'An /etc/hosts entry.',
    fields: {
      ip: field('IP address.', str()),
      hostnames: field('Names for the IP.', list(str())),
    },
    extra: { required: ['ip', 'hostnames'] },
  },
  dns: {
    description: 'Pod DNS settings.',
    fields: {
      policy: field('ClusterFirst, ClusterFirstWithHostNet, Default, None, or host (= Default).', { type: 'string', enum: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None', 'host'] }),
      nameservers: field('Name server IPs.', list(str())),
      searches: field('Search domains.', list(str())),
      options: field('Resolver options: "ndots:5" strings or {name, value}.', list({ type: ['string', 'object'], $ref: '#/$defs/dnsOption' })),
    },
  },
  dnsOption: {
    description: 'A resolver option.',
    fields: { name: field('Option name.', str()), value: field('Option value.', { type: ['string', 'number'] }) },
    extra: { required: ['name'] },
  },
  volumeTemplate: {
    description: 'A PersistentVolumeClaim template.',
    fields: {
      name: field('Name; a volume with this name uses the claim.', str({ pattern: PATTERNS.dnsLabel })),
      labels: field('Labels for the claim.', stringMap),
      annotations: field('Annotations for the claim.', stringMap),
      accessModes: field('Access modes. Default [ReadWriteOnce].', list({ type: 'string', enum: ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'] })),
      storage: field('Requested size (10Gi).', { type: ['string', 'number'], pattern: PATTERNS.quantity, minimum: 0 }),
      storageClassName: field('StorageClass. Default: the cluster default.', str()),
      volumeMode: field('Filesystem or Block.', { type: 'string', enum: ['Filesystem', 'Block'] }),
    },
    extra: { required: ['name', 'storage'] },
  },
};
