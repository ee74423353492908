/**
 * Builders for normalized Riofile models in tests: every field at the parser's default, so a
 * test states only what it is about.
 */
import type { Build, Container, Port, Riofile, Route, Router, Service, Sidecar } from '../../../engine/riofile/model.js';
import type { ClusterSettings, Environment, RenderInput } from '../../../engine/render/types.js';

export const COMMIT = '0123456789abcdef0123456789abcdef01234567';

export function container(over: Partial<Container> = {}): Container {
  return { command: [], args: [], env: [], ports: [], secrets: [], configs: [], volumes: [], stdin: false, stdinOnce: false, tty: false, ...over };
}

export function sidecar(name: string, over: Partial<Sidecar> = {}): Sidecar {
  return { ...container(), name, init: false, ...over };
}

export function service(name: string, over: Partial<Service> = {}): Service {
  return {
    ...container({ image: 'nginx:1.27' }),
    app: name, version: 'v0', weight: 100, replicas: 1, rolloutDurationSeconds: 60, global: false, stageOnly: false, template: false,
    permissions: [], globalPermissions: [], containers: [], hostAliases: [], hostNetwork: false, imagePullSecrets: [], volumeTemplates: [],
    labels: {}, annotations: {},
    ...over,
  };
}

export function port(spec: Partial<Port> & { port: number }): Port {
  const protocol = spec.protocol ?? 'http';
  return { targetPort: spec.port, protocol, expose: protocol === 'http', hostPort: false, ...spec };
}

export function build(over: Partial<Build> = {}): Build {
  return { dockerfile: 'Dockerfile', context: '.', args: {}, noCache: false, pr: false, tag: false, ...over };
}

export function route(over: Partial<Route> = {}): Route {
  return { to: [], ...over };
}

export function router(routes: Route[], internal = false): Router {
  return { internal, routes };
}

/** A Riofile whose services are built from `services` (name -> overrides). */
export function riofile(over: Partial<Riofile> = {}): Riofile {
  return { format: 'riofile', services: {}, configs: {}, routers: {}, externalServices: {}, kubernetesManifests: [], ...over };
}

export const branchEnv: Environment = { app: 'shop', kind: 'branch', branch: 'main', commit: COMMIT };
export const prEnv: Environment = { app: 'shop', kind: 'pr', pr: 42, commit: COMMIT };

export const cluster: ClusterSettings = {
  domain: 'apps.example.com',
  registry: 'registry.example.com/ria',
  gateway: { namespace: 'ria-system', name: 'public' },
  builder: { registrySecretName: 'registry-push', cacheRepo: 'registry.example.com/ria/cache' },
};

export function input(rf: Riofile, over: Partial<RenderInput> = {}): RenderInput {
  return { riofile: rf, environment: branchEnv, cluster, source: { repoUrl: 'https://github.com/example/shop.git', cloneSecretName: 'github-clone' }, ...over };
}
