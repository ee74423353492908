/**
 * Keys of Rio v0.5 (and the knative-build era before it) that v0.6 replaced. A Riofile using them
 * is refused with the replacement named, because silently dropping e.g. `buildArgs` would build
 * the wrong image. Keyed by the `$defs` object the key appeared in.
 */
export const LEGACY_KEYS: Record<string, Record<string, string>> = {
  service: {
    disableServiceMesh: 'serviceMesh: false',
    updateBatchSize: 'maxSurge / maxUnavailable',
    concurrency: 'autoscale.concurrency',
    rolloutIncrement: 'rollout.increment',
    rolloutInterval: 'rollout.intervalSeconds',
    group: 'runAsGroup',
    readOnly: 'readOnlyRootFilesystem',
    addHost: 'hostAliases',
    net: 'hostNetwork: true',
    buildArgs: 'build.args',
    dockerFile: 'build.dockerfile',
  },
  sidecar: {
    group: 'runAsGroup',
    readOnly: 'readOnlyRootFilesystem',
  },
  build: {
    buildArgs: 'build.args',
    dockerFile: 'build.dockerfile',
    dockerFilePath: 'build.dockerfile (the full path from the repo root)',
    buildContext: 'build.context',
    buildImageName: 'build.imageName',
    githubSecretName: 'build.webhookSecretName',
    gitSecretName: 'build.cloneSecretName',
    enablePr: 'build.pr',
    push: 'build.pushRegistry (images are always pushed)',
  },
  route: {
    matches: 'match (one map: {path, scheme, methods, headers})',
    timeoutMillis: 'timeoutSeconds',
  },
  match: {
    cookie: 'headers (cookie matching was removed)',
  },
  destination: {
    service: 'app',
    revision: 'version',
  },
  mirror: {
    service: 'app',
    revision: 'version',
  },
  retry: {
    timeoutMillis: 'timeoutSeconds',
  },
  fault: {
    abort: 'fault.abortHTTPStatus',
  },
  kubernetes: {
    namespaced_custom_resource_definitions: 'CustomResourceDefinition objects in kubernetes.manifest',
    custom_resource_definitions: 'CustomResourceDefinition objects in kubernetes.manifest',
    namespacedCustomResourceDefinitions: 'CustomResourceDefinition objects in kubernetes.manifest',
    customResourceDefinitions: 'CustomResourceDefinition objects in kubernetes.manifest',
  },
};

/** Values whose type changed: Rio v0.5's `rollout: true` became an object. */
export const LEGACY_VALUES: Record<string, Record<string, { type: string; replacement: string }>> = {
  service: {
    rollout: { type: 'boolean', replacement: 'rollout: {increment: 5, intervalSeconds: 2}' },
  },
  headerOps: {
    add: { type: 'object', replacement: 'add: [{name: NAME, value: VALUE}]' },
    set: { type: 'object', replacement: 'set: [{name: NAME, value: VALUE}]' },
  },
  match: {
    headers: { type: 'object', replacement: 'headers: [{name: NAME, value: {exact: VALUE}}]' },
  },
};
