/**
 * The Riofile fixtures render is checked against: Rio's own Riofiles (fixtures/riofiles/rio/)
 * parsed with fixed template answers, and a hand-built "kitchen sink" model that uses every
 * feature render supports. Shared by the snapshot tests and the API-server integration test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRiofile, RiofileError } from '../../../engine/riofile/index.js';
import type { Riofile } from '../../../engine/riofile/model.js';
import type { ClusterSettings, Environment, RenderInput, RenderResult } from '../../../engine/render/types.js';
import { toYaml } from '../../../engine/render/index.js';
import { build, port, riofile, route, router, service, sidecar } from './model.js';

/** The repository root (this file runs from dist/test/unit/render/). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
export const snapshotDir = join(repoRoot, 'fixtures/render');

/** Rio's own Riofiles (verbatim, see SOURCES.md there). */
export function rioFixtureDir(): string {
  return join(repoRoot, 'fixtures/riofiles/rio');
}

export const FIXTURE_COMMIT = '3f2a1c9e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39';
export const fixtureEnv: Environment = { app: 'demo', kind: 'branch', branch: 'main', commit: FIXTURE_COMMIT };
export const fixtureCluster: ClusterSettings = {
  domain: 'apps.example.com',
  registry: 'registry.example.com/ria',
  gateway: { namespace: 'ria-gateway', name: 'public' },
  builder: { registrySecretName: 'registry-push', cacheRepo: 'registry.example.com/ria/cache', resources: { limits: { cpu: '2', memory: '4Gi' } } },
};

/** Answers for every template question the Rio fixtures ask. */
export const fixtureAnswers: Record<string, string> = {
  FOO: 'BAR', MAX_SCALE: '5', PERSISTENT: 'false', IMAGE: 'rancher/rio-controller:v0.8.0', RIO_DEBUG: 'false', RUN_API_VALIDATOR: 'false', MESH_MODE: 'linkerd',
};

export interface Fixture { name: string; riofile: Riofile }

/** Every Rio fixture that parses (the legacy and broken ones are the parser's tests, not ours). */
export function rioFixtures(namespace = 'demo--main'): Fixture[] {
  const dir = rioFixtureDir();
  const out: Fixture[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    try {
      const rf = parseRiofile(readFileSync(join(dir, file), 'utf8'), { file, answers: fixtureAnswers, namespace, revision: FIXTURE_COMMIT });
      out.push({ name: file.replace(/\.yaml$/, ''), riofile: rf });
    } catch (err) {
      if (!(err instanceof RiofileError)) throw err;
    }
  }
  return out;
}

export function fixtureInput(rf: Riofile, over: Partial<RenderInput> = {}): RenderInput {
  return { riofile: rf, environment: fixtureEnv, cluster: fixtureCluster, source: { repoUrl: 'https://github.com/example/demo.git', cloneSecretName: 'github-clone' }, ...over };
}

/** The snapshot text: warnings and URLs as a comment header, then the build Jobs and objects. */
export function snapshotText(result: RenderResult): string {
  const header = [
    '# Rendered by test/unit/render/snapshots.test.ts; regenerate with RIA_UPDATE_SNAPSHOTS=1.',
    ...result.warnings.map((w) => `# warning ${w.code} at ${w.path}: ${w.message}`),
    ...Object.entries(result.urls).map(([k, v]) => `# url ${k}: ${v.join(' ')}`),
  ];
  return `${header.join('\n')}\n${toYaml([...result.buildJobs, ...result.objects])}`;
}

/** Every feature render supports, in one model, so the API server sees each of them. */
export function kitchenSink(): Riofile {
  return riofile({
    configs: { 'site-config': { 'index.html': '<h1>hello</h1>', 'app.yaml': 'level: info\n' } },
    services: {
      web: service('web', {
        image: 'nginx:1.27', weight: 90, replicas: 2, maxSurge: 1, maxUnavailable: '25%',
        ports: [port({ port: 80, targetPort: 8080 }), port({ port: 9090, name: 'metrics', expose: false })],
        env: [{ name: 'LEVEL', configRef: { name: 'site-config', key: 'app.yaml' } }, { name: 'PW', secretRef: { name: 'db', key: 'password' } }, { name: 'POD', fieldRef: 'self/name' }, { name: 'NODE', fieldRef: 'self/node' }, { name: 'MODE', value: 'prod' }],
        configs: [{ name: 'site-config', key: 'index.html', target: '/usr/share/nginx/html/index.html' }],
        secrets: [{ name: 'db', target: '/run/secrets/db' }],
        volumes: [{ name: 'cache', path: '/cache', persistent: false }, { name: 'data', path: '/data', persistent: true }, { path: '/tmp/anon', persistent: false }, { hostPath: '/var/log', path: '/host-logs', hostPathType: 'Directory', persistent: false }],
        volumeTemplates: [{ name: 'data', labels: { tier: 'data' }, annotations: {}, accessModes: ['ReadWriteOnce'], storageBytes: 2 ** 30 }],
        livenessProbe: { httpGet: { path: '/healthz', port: '8080' }, initialDelaySeconds: 5 },
        readinessProbe: { tcpSocket: { port: 8080 } },
        cpuMillis: 200, memoryBytes: 256 * 2 ** 20, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true,
        hostAliases: [{ ip: '10.0.0.1', hostnames: ['db.local'] }],
        dns: { policy: 'ClusterFirst', nameservers: ['1.1.1.1'], searches: ['example.com'], options: [{ name: 'ndots', value: '2' }] },
        podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'ria.dev/service': 'web' } } } }] },
        imagePullSecrets: ['pull-secret'], labels: { team: 'storefront' }, annotations: { 'example.com/owner': 'storefront' },
        autoscale: { minReplicas: 2, maxReplicas: 6, concurrency: 10 }, requestTimeoutSeconds: 30,
        permissions: [{ verbs: ['get', 'list', 'watch'], apiGroup: '', resource: 'configmaps' }, { verbs: [], apiGroup: '', resource: '', role: 'view' }],
        globalPermissions: [{ verbs: ['get', 'list'], apiGroup: '', resource: 'nodes' }, { verbs: ['get'], apiGroup: '', resource: '', nonResourceURL: '/healthz' }],
        containers: [
          sidecar('init-html', { init: true, image: 'busybox:1.36', command: ['sh', '-c', 'echo hi > /work/index.html'], volumes: [{ name: 'cache', path: '/work', persistent: false }] }),
          sidecar('proxy', { image: 'envoyproxy/envoy:v1.31.0', ports: [port({ port: 15000, protocol: 'tcp' })] }),
        ],
      }),
      'web-v2': service('web-v2', { app: 'web', version: 'v2', weight: 10, image: './', build: build({ context: 'web', args: { NODE_ENV: 'production' }, timeoutSeconds: 1200 }), ports: [port({ port: 80, targetPort: 8080 })] }),
      'web-canary': service('web-canary', { app: 'web', version: 'canary', stageOnly: true, image: 'nginx:1.27', ports: [port({ port: 80, targetPort: 8080 })] }),
      grpc: service('grpc', { image: 'example/grpc:1', ports: [port({ port: 50051, protocol: 'grpc', expose: true }), port({ port: 53, protocol: 'udp' }), port({ port: 53, protocol: 'tcp', name: 'dns-tcp' })] }),
      agent: service('agent', { global: true, image: 'example/agent:1', hostNetwork: true, maxUnavailable: 1, ports: [port({ port: 9100, protocol: 'tcp', hostPort: true })] }),
    },
    routers: {
      api: router([
        route({ match: { path: { prefix: '/api' }, methods: ['GET', 'POST'], headers: [{ name: 'x-user', value: { exact: 'alice' } }, { name: 'x-tag', value: { prefix: 'beta' } }] }, to: [{ app: 'web', version: 'v0', weight: 70 }, { app: 'web', version: 'v2', weight: 30 }], rewrite: { host: 'internal.example.com', path: '/' }, headers: { add: [{ name: 'x-added', value: '1' }], set: [{ name: 'x-set', value: '2' }], remove: ['x-remove'] }, timeoutSeconds: 10 }),
        route({ match: { path: { exact: '/old' }, methods: [], headers: [] }, to: [], redirect: { host: 'www.example.com', path: '/new', toHTTPS: true } }),
        route({ match: { path: { regexp: '/v[0-9]+/.*' }, methods: [], headers: [{ name: 'x-re', value: { regexp: 'a+' } }] }, to: [{ app: 'web' }], mirror: { app: 'web', version: 'canary' }, fault: { percentage: 10, abortHTTPStatus: 503 }, retry: { attempts: 3, timeoutSeconds: 2 } }),
      ]),
      mesh: router([route({ to: [{ app: 'grpc', port: 50051 }] })], true),
    },
    externalServices: {
      search: { ipAddresses: [], fqdn: 'search.example.com' },
      legacy: { ipAddresses: ['10.1.2.3', '10.1.2.4', 'fd00::1'] },
      billing: { ipAddresses: [], targetApp: 'billing', targetServiceNamespace: 'billing--main' },
    },
    kubernetesManifests: [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-manifest', namespace: 'elsewhere', labels: { origin: 'manifest' } }, data: { a: 'b' } },
      { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'demo-high' }, value: 1000 },
    ],
  });
}
