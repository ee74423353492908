import { PATTERNS } from './patterns.js';
import { bool, field, int, list, passThrough, ref, str, type FieldSpec, type JsonSchema, type ObjectSpec } from './spec.js';

/** A list of strings, or one string split like a shell would (Rio's `shlex` mapper). */
const words: JsonSchema = { type: ['array', 'string'], items: { type: ['string', 'number', 'boolean'] } };
const quantity: JsonSchema = { type: ['string', 'number'], pattern: PATTERNS.quantity, minimum: 0 };

const portItem: JsonSchema = { type: ['string', 'integer', 'object'], pattern: PATTERNS.port, minimum: 1, maximum: 65535, $ref: '#/$defs/portObject' };
const envItem: JsonSchema = { type: ['string', 'object'], pattern: PATTERNS.env, $ref: '#/$defs/envObject' };
const mountItem: JsonSchema = { type: ['string', 'object'], pattern: PATTERNS.mount, $ref: '#/$defs/mountObject' };
const volumeItem: JsonSchema = { type: ['string', 'object'], pattern: PATTERNS.volume, $ref: '#/$defs/volumeObject' };

/** One item or a list of them (Rio accepted `port: 8080/http` as well as a list). */
const oneOrList = (item: JsonSchema): JsonSchema => ({ ...item, type: ['array', ...(item.type as string[])], items: item });

/** Fields of every container: the service's main container and each sidecar. */
export const containerFields: Record<string, FieldSpec> = {
  image: field('Image reference (nginx, docker.io/org/app:v1), or a relative path such as ./ meaning "build from this directory of the repo".', str()),
  build: field('Build the image from source instead of pulling `image`.', { type: 'object', $ref: '#/$defs/build' }),
  command: field('Entrypoint: a list, or one shell-style string. The image ENTRYPOINT is used when absent.', words),
  args: field("Arguments to the entrypoint: a list, or one shell-style string. The image's CMD is used when absent.", words, ['arg']),
  workingDir: field('Working directory of the process.', str()),
  ports: field(
    'Ports: `[servicePort:]containerPort[/protocol][,name][,expose[=bool]|,internal][,hostport][,name=x]`, e.g. 8080/http, 81:8081, 8080:80/http,web, 8080/http,admin,internal=true. Protocols tcp, udp, sctp, http, http2, grpc (default http). HTTP ports are exposed through the router unless `internal`.',
    oneOrList(portItem),
    ['port'],
  ),
  env: field(
    'Environment: a list of NAME=VALUE or a map. NAME=secret://SECRET/KEY and NAME=config://CONFIG/KEY read a Secret or config; NAME=$(self/name) (namespace, labels, annotations, node, serviceAccount, hostIp, nodeIp, ip) uses the downward API.',
    { type: ['array', 'object'], items: envItem, additionalProperties: { type: ['string', 'number', 'boolean'] }, propertyNames: { pattern: PATTERNS.envName } },
    ['environment'],
  ),
  secrets: field('Secrets mounted as files: `name[/key][:target]`; default target /run/secrets/<name>.', oneOrList(mountItem), ['secret']),
  configs: field('Configs (ConfigMaps) mounted as files: `name[/key][:target]`; default target /run/configs/<name>.', oneOrList(mountItem), ['config']),
  volumes: field('Volumes: `name:/path[,persistent]`, `/hostpath:/path[,hosttype=TYPE]`, `/path`, or objects {name, path, hostpath, hostPathType, persistent}.', oneOrList(volumeItem), ['volume']),
  cpuMillis: field('CPU request: a quantity, 500m or 0.5 (cores). A bare number under `cpuMillis` counts millicores, under `cpus`/`cpu` cores. Unset: no request.', quantity, ['cpus', 'cpu']),
  memoryBytes: field('Memory request: bytes or a quantity (100Mi, 1Gi). Unset: no request.', quantity, ['memory', 'mem']),
  livenessProbe: field('Kubernetes liveness probe (httpGet, tcpSocket, exec, initialDelaySeconds...). The container restarts when it fails.', { type: 'object', $ref: '#/$defs/probe' }, ['liveness']),
  readinessProbe: field('Kubernetes readiness probe. The pod receives traffic only while it passes.', { type: 'object', $ref: '#/$defs/probe' }, ['readiness']),
  imagePullPolicy: field('When to pull the image: Always, IfNotPresent or Never (any case).', str({ pattern: PATTERNS.pullPolicy }), ['pullPolicy']),
  stdin: field('Keep stdin open. Default false.', bool, ['stdinOpen']),
  stdinOnce: field('Close stdin after the first attach ends. Default false.', bool),
  tty: field('Allocate a TTY. Default false.', bool),
  runAsUser: field('UID to run the process as.', int(0), ['user']),
  runAsGroup: field('GID to run the process as.', int(0)),
  readOnlyRootFilesystem: field('Mount the root filesystem read-only.', bool),
  privileged: field('Run privileged (root on the host). Default false.', bool),
};

export const containerDefs: Record<string, ObjectSpec> = {
  sidecar: {
    description: 'A sidecar or init container of the service pod; takes every container field.',
    fields: {
      name: field('Container name, unique in the pod (DNS label).', str({ pattern: PATTERNS.dnsLabel })),
      init: field('Run to completion before the main container starts. Default false.', bool),
      ...containerFields,
    },
  },
  build: {
    description: 'Build the image from source. The config repo supplies repo, registry and secrets; these fields override them per service.',
    fields: {
      repo: field('Git repository URL. Default: the app repository.', str()),
      branch: field('Branch to build. Default: the tracked branch.', str()),
      revision: field('Commit or tag to build.', str()),
      dockerfile: field('Path of the Dockerfile from the repo root. Default Dockerfile.', str()),
      context: field('Build context directory. Default `.`.', str()),
      args: field('Build arguments `K=V` (or a map).', { type: ['array', 'object'], items: { type: 'string', pattern: PATTERNS.env }, additionalProperties: { type: ['string', 'number', 'boolean'] } }, ['arg']),
      noCache: field('Build without the layer cache. Default false.', bool),
      timeout: field('Build timeout: seconds or a duration (10m). Default 10 minutes.', { type: ['string', 'integer'], pattern: PATTERNS.duration, minimum: 1 }, ['timeoutSeconds']),
      pushRegistry: field('Registry to push to (docker.io, gcr.io).', str()),
      pushRegistrySecretName: field('Secret with credentials for the push registry.', str()),
      imageName: field('Image name without the registry. Default <namespace>/<service>:<revision>.', str()),
      cloneSecretName: field('Secret used to clone a private repository.', str()),
      webhookSecretName: field('Secret for the webhook (key accessToken).', str()),
      pr: field('Build pull requests into staged versions. Default false.', bool, ['onPR']),
      tag: field('Build tags. Default false.', bool, ['onTag']),
      tagInclude: field('With `tag`, only tags matching this pattern.', str()),
      tagExclude: field('With `tag`, skip tags matching this pattern.', str()),
      template: field("Rio's build template name.", str()),
      stageOnly: field('New versions built from this service get no traffic.', bool),
    },
  },
  portObject: {
    description: 'A port as an object.',
    fields: {
      port: field('Service port.', int(1, 65535)),
      targetPort: field('Container port. Default: `port`.', int(1, 65535)),
      protocol: field('tcp, udp, sctp, http, http2 or grpc. Default http.', str({ pattern: PATTERNS.protocol })),
      name: field('Port name (at most 15 lowercase letters, digits, "-").', str()),
      expose: field('Expose through the router. Default: true for http and http2.', bool),
      hostport: field('Also bind the port on the node.', bool, ['hostPort']),
    },
    extra: { required: ['port'] },
  },
  envObject: {
    description: 'An environment variable as an object.',
    fields: {
      name: field('Variable name.', str({ pattern: PATTERNS.envName })),
      value: field('Literal value (also accepts secret://, config://, $(self/...)).', { type: ['string', 'number', 'boolean'] }),
      secretName: field('Read the value from this Secret (with `key`).', str()),
      configMapName: field('Read the value from this config (with `key`).', str()),
      key: field('Key in the Secret or config.', str()),
    },
    extra: { required: ['name'] },
  },
  mountObject: {
    description: 'A Secret or config mount as an object.',
    fields: {
      name: field('Secret or config name.', str()),
      key: field('Mount only this key, as a file.', str()),
      target: field('Absolute path in the container.', str()),
    },
    extra: { required: ['name'] },
  },
  volumeObject: {
    description: 'A volume as an object.',
    fields: {
      name: field('Volume name (emptyDir, or a PVC when persistent, or a volumeTemplates entry).', str()),
      path: field('Mount path in the container.', str()),
      hostpath: field('Node directory to mount instead of a named volume.', str(), ['hostPath']),
      hostPathType: field('DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice.', str()),
      persistent: field('Back the volume with a PersistentVolumeClaim. Default false.', bool),
    },
    extra: { required: ['path'] },
  },
  probe: {
    description: 'A Kubernetes Probe.',
    fields: {
      httpGet: field('HTTP GET check: {path, port, host, scheme, httpHeaders}.', passThrough),
      tcpSocket: field('TCP connect check: {port, host}.', passThrough),
      exec: field('Command check: {command: [...]}.', passThrough),
      grpc: field('gRPC health check: {port, service}.', passThrough),
      initialDelaySeconds: field('Seconds before the first check.', int(0)),
      periodSeconds: field('Seconds between checks.', int(1)),
      timeoutSeconds: field('Seconds before a check times out.', int(1)),
      successThreshold: field('Successes in a row to count as passing.', int(1)),
      failureThreshold: field('Failures in a row to count as failing.', int(1)),
      terminationGracePeriodSeconds: field('Grace period when the probe fails.', int(0)),
    },
  },
};

export { list, ref };
