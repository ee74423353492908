import { GROUP, VERSION } from './types.js';

/** OpenAPI schema helpers, so the CRDs below read like the types in types.ts. */
const str = (description: string) => ({ type: 'string', description });
const int = (description: string) => ({ type: 'integer', description });
const strMap = (description: string) => ({ type: 'object', description, additionalProperties: { type: 'string' } });
const conditions = {
  type: 'array', description: 'Standard conditions (Ready, Reconciling, Stalled...).',
  'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'],
  items: {
    type: 'object', required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
    properties: {
      type: str('Condition type.'), status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
      reason: str('CamelCase reason.'), message: str('Human-readable detail.'),
      lastTransitionTime: { type: 'string', format: 'date-time' }, observedGeneration: { type: 'integer', format: 'int64' },
    },
  },
};
const objectRef = {
  type: 'object', required: ['apiVersion', 'kind', 'name'],
  properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, namespace: { type: 'string' }, name: { type: 'string' } },
};

const version = (description: string, extra: Record<string, unknown> = {}) => ({
  type: 'object', description, required: ['name', 'commit'],
  properties: {
    name: str('Version name: v + the first hex digits of its commit (part of object names and the version URL).'),
    commit: str('The commit this version was rendered from.'),
    url: str('The version\'s own URL.'),
    objects: { type: 'array', items: objectRef, description: 'Objects of this version, kept while it lives after later commits.' },
    ...extra,
  },
});
/** status.rollout: the state of each versioned service's rollout (engine/rollout/types.ts). */
const rolloutStatus = {
  type: 'object', description: 'Progressive delivery of versioned services (template: true or rollout).',
  properties: {
    summary: str('One line, e.g. "v9f3c1 30% → 40%".'),
    lastAction: str('The last operator action acted on (the ria.dev/rollout-action annotation value).'),
    services: {
      type: 'object', description: 'Riofile service -> its rollout.',
      additionalProperties: {
        type: 'object', required: ['phase', 'weight', 'step', 'lastTransition', 'reason'],
        properties: {
          phase: { type: 'string', enum: ['Progressing', 'Paused', 'Staged', 'RolledBack', 'Complete'] },
          stable: version('The version that serves while a new one rolls out.'),
          canary: version('The new version being rolled out, staged or rolled back.'),
          weight: { type: 'integer', minimum: 0, maximum: 100, description: 'The new version\'s share of the traffic, percent.' },
          step: int('Steps taken for the new version.'),
          started: { type: 'string', format: 'date-time', description: 'When the new version was created.' },
          lastTransition: { type: 'string', format: 'date-time', description: 'When the phase or the weight last changed.' },
          nextStepAt: { type: 'string', format: 'date-time', description: 'When the next step is due.' },
          reason: str('Reason of the last transition (Stepped, NotReady, Failing, ErrorRate, Aborted, Promoted, RolledOut...).'),
          message: str('What happened, with the version and the step.'),
          pausedByOperator: { type: 'boolean' },
          scaleDownAt: { type: 'string', format: 'date-time', description: 'A rolled-back version is scaled to zero then.' },
          scaledToZero: { type: 'boolean' },
          gate: { type: 'object', description: 'Health gate: the gateway\'s counters for the new version when it got traffic (its error rate is measured from them).',
            properties: { requests: { type: 'number', minimum: 0 }, errors: { type: 'number', minimum: 0 } } },
          retired: { type: 'array', description: 'Versions draining with weight 0 before removal.', items: version('A version on its way out.', {
            removeAt: { type: 'string', format: 'date-time' }, reason: { type: 'string', enum: ['Replaced', 'Superseded'] },
          }) },
        },
      },
    },
  },
};

function crd(kind: string, plural: string, shortNames: string[], spec: object, status: object, columns: object[]) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}`, labels: { 'app.kubernetes.io/part-of': 'ria', 'app.kubernetes.io/managed-by': 'ria' } },
    spec: {
      group: GROUP, scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, shortNames, categories: ['ria'] },
      versions: [{
        name: VERSION, served: true, storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: columns,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec, status } } },
      }],
    },
  };
}

export const appCrd = crd('App', 'apps', ['rapp'], {
  type: 'object', required: ['repo', 'branches', 'riofile'],
  description: 'One app of the config repository: the contents of apps/<name>.yaml.',
  properties: {
    repo: str('Git URL of the app repository.'),
    branches: { type: 'array', items: { type: 'string' }, description: 'Branches to deploy, one environment each; globs allowed.' },
    riofile: str('Path of the Riofile in the app repository.'),
    cloneSecret: str('Secret with username/password or token for a private repository.'),
    webhookSecret: str('Secret (key "secret") whose value alone signs this repository\'s GitHub webhooks.'),
    secretsFrom: str('Namespace whose Secrets are copied into each environment.'),
    answers: strMap('Template answers.'),
    allow: { type: 'object', description: "What the app's Riofile may ask for (SECURITY.md).", properties: {
      permissions: { type: 'boolean' }, globalPermissions: { type: 'boolean' },
      clusterRoles: { type: 'array', items: { type: 'string' } }, clusterKinds: { type: 'array', items: { type: 'string' } },
      privileged: { type: 'boolean' }, capabilities: { type: 'array', items: { type: 'string' } },
      hostNamespaces: { type: 'boolean' }, hostPath: { type: 'boolean' }, hostPorts: { type: 'boolean' }, runAsRoot: { type: 'boolean' }, routes: { type: 'boolean' },
      externalServices: { type: 'boolean' },
    } },
    previews: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'Pull-request previews.' },
    productionBranch: str('Branch whose GitHub deployment is the production one.'),
    domains: { type: 'array', items: { type: 'string' }, description: 'Custom hostnames only the production environment may route.' },
  },
}, {
  type: 'object',
  properties: {
    conditions, configCommit: str('Config repository commit this App was read from.'),
    observedRefs: strMap('Branch -> commit at the last successful listing of the app repository.'),
    environments: int('Number of environments.'),
  },
}, [
  { name: 'Repo', type: 'string', jsonPath: '.spec.repo' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Environments', type: 'integer', jsonPath: '.status.environments' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
]);

export const environmentCrd = crd('Environment', 'environments', ['env', 'renv'], {
  type: 'object', required: ['app', 'kind', 'target', 'commit', 'namespace'],
  description: 'One deployed environment: a tracked branch or an open pull request of an app.',
  properties: {
    app: str('App name.'), kind: { type: 'string', enum: ['branch', 'pr'] },
    target: str('Branch name, or pr-<n>.'), branch: str('Branch name (for pr: the head branch).'),
    pullRequest: int('Pull request number.'), commit: str('Commit to deploy.'), namespace: str('Target namespace.'),
    vouchedCommit: str('Fork previews: the head commit the maintainer label vouched for.'),
  },
}, {
  type: 'object',
  properties: {
    phase: { type: 'string', enum: ['Pending', 'Building', 'Deploying', 'Ready', 'Failed'] },
    observedGeneration: { type: 'integer', format: 'int64' },
    observedCommit: str('Commit the last reconcile worked on.'), appliedCommit: str('Commit whose objects are applied.'),
    shortCommit: str('First 7 characters of the commit.'), url: str('First URL.'),
    urls: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
    builds: { type: 'array', items: { type: 'object', properties: {
      service: { type: 'string' }, commit: { type: 'string' }, job: { type: 'string' }, image: { type: 'string' },
      phase: { type: 'string' }, message: { type: 'string' }, reused: { type: 'boolean' }, failedContainer: { type: 'string' },
      logTail: { type: 'string', maxLength: 8192 } } } },
    inventory: { type: 'array', items: objectRef },
    inputsHash: str('Hash of the inputs last reconciled.'), appliedHash: str('Hash of the applied objects.'),
    frameHash: str('Hash of the frame (namespace security keys, identity rights) last made to hold.'), lastAppliedTime: { type: 'string', format: 'date-time' },
    lastError: { type: 'object', properties: { message: { type: 'string' }, file: { type: 'string' }, line: { type: 'integer' },
      column: { type: 'integer' }, path: { type: 'string' } } },
    warnings: { type: 'array', items: { type: 'string' } },
    rollout: rolloutStatus,
    conditions,
  },
}, [
  { name: 'App', type: 'string', jsonPath: '.spec.app' },
  { name: 'Branch/PR', type: 'string', jsonPath: '.spec.target' },
  { name: 'Commit', type: 'string', jsonPath: '.status.shortCommit' },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
  { name: 'Rollout', type: 'string', jsonPath: '.status.rollout.summary' },
  { name: 'URL', type: 'string', jsonPath: '.status.url' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
]);

export const riaCrds = [appCrd, environmentCrd];
