import { posix } from 'node:path';
import type { Build, Service } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { warn } from './context.js';
import type { KubeObject } from './types.js';
import { RenderError, RenderErrorCode } from './errors.js';
import { objectLabels, podLabels, type LabelScope } from './labels.js';
import { dnsLabel, shorten } from './names.js';
import { shortHash } from './hash.js';
import { buildOf, builtImage, imageNameInApp, previewRegistry } from './images.js';

/**
 * Kaniko is archived upstream (June 2025); v1.23.2 is its last release and still works. The
 * executor image is a setting (`builder.executorImage`) so a cluster can switch to a maintained
 * fork (e.g. Chainguard's `cgr.dev/chainguard/kaniko`) without a Ria release.
 */
export const DEFAULT_EXECUTOR_IMAGE = 'gcr.io/kaniko-project/executor:v1.23.2';
/** Any image with `sh` and `git` works; this one is small and published for exactly that. */
export const DEFAULT_GIT_IMAGE = 'alpine/git:v2.47.2';
export const DEFAULT_BUILDER_NAMESPACE = 'ria-builds';
export const DEFAULT_BUILD_TTL_SECONDS = 3600;
/** The longest a build may run unless the config says otherwise; a Riofile can only lower it. */
export const DEFAULT_BUILD_TIMEOUT_SECONDS = 1800;

/**
 * Fetches exactly the commit: first by SHA (GitHub and most servers allow fetching a reachable
 * commit), else the environment's ref (`refs/pull/N/head` for a PR, whose commits live under no
 * branch; `refs/heads/B` for a branch), then checks out the SHA and verifies HEAD. Credentials
 * come from the environment at run time through a credential helper, so the token is never
 * part of the Job spec, the git config on disk, or the process list.
 */
const FETCH_SCRIPT = [
  'set -eu',
  'cd /workspace',
  'git init -q .',
  'git remote add origin "$REPO_URL"',
  'if [ -n "${GIT_PASSWORD:-}" ]; then git config credential.helper \'!f() { echo "username=${GIT_USERNAME:-x-access-token}"; echo "password=${GIT_PASSWORD}"; }; f\'; fi',
  'git fetch -q --depth 1 origin "$COMMIT" || git fetch -q origin "$FETCH_REF"',
  'git checkout -q --detach "$COMMIT"',
  'case "$(git rev-parse HEAD)" in "$COMMIT"*) ;; *) echo "fetched $(git rev-parse HEAD), expected $COMMIT" >&2; exit 1;; esac',
].join('\n');

/** The build Jobs of every service (and sidecar) that builds its image, in Riofile order. */
export function renderBuildJobs(ctx: RenderContext): KubeObject[] {
  const jobs: KubeObject[] = [];
  for (const [key, service] of Object.entries(ctx.riofile.services)) {
    const main = buildOf(service);
    if (main) jobs.push(buildJob(ctx, key, service, main));
    for (const c of service.containers) {
      const b = buildOf(c);
      if (b) jobs.push(buildJob(ctx, key, service, b, c.name));
    }
  }
  return jobs;
}

/**
 * Deterministic per (app, service, commit): two environments at the same commit share one build.
 * Preview builds are apart (`-pr-`): they push elsewhere, with another credential.
 */
export function buildJobName(app: string, target: string, commit: string, preview = false): string {
  const head = shorten(`build-${dnsLabel(app)}-${preview ? 'pr-' : ''}${dnsLabel(target)}-${commit.slice(0, 12)}`, 63 - 9);
  return `${head}-${shortHash(`${app}\n${target}\n${commit}${preview ? '\npreview' : ''}`)}`;
}

function buildJob(ctx: RenderContext, key: string, service: Service, build: Build, sidecar?: string): KubeObject {
  const path = sidecar ? `services.${key}.containers[${sidecar}].build` : `services.${key}.build`;
  const builder = ctx.cluster.builder ?? {};
  // What is fetched, with which credentials, and where it is pushed come from the config only:
  // a Riofile (a pull request) choosing them could send the clone credential to any host or
  // push over another app's images. The engine's policy refuses these keys; render ignores them.
  const repoUrl = ctx.input.source?.repoUrl;
  if (!repoUrl) throw new RenderError(RenderErrorCode.Input, `${path}: building an image needs the app's repository URL (source.repoUrl)`, { path });
  if (build.revision !== undefined) warn(ctx, 'BuildRevisionIgnored', `${path}.revision`, `Ria builds the environment's commit ${ctx.commit}; revision ${build.revision} is not used`);
  for (const key of ['repo', 'cloneSecretName', 'pushRegistry', 'pushRegistrySecretName'] as const) {
    if (build[key] !== undefined) warn(ctx, 'BuildKeyIgnored', `${path}.${key}`, `${key} is not used: the repository, its credentials and the registry come from the config repository`);
  }
  if (build.imageName !== undefined && !imageNameInApp(ctx.env.app, build.imageName)) {
    warn(ctx, 'BuildKeyIgnored', `${path}.imageName`, `imageName "${build.imageName}" is not under the app's image path "${ctx.env.app}/"; the default name is used`);
  }
  const maxTimeout = builder.timeoutSeconds ?? DEFAULT_BUILD_TIMEOUT_SECONDS;
  if (build.timeoutSeconds !== undefined && build.timeoutSeconds > maxTimeout) {
    warn(ctx, 'BuildTimeoutCapped', `${path}.timeout`, `timeout ${build.timeoutSeconds}s is above the config's builder.timeout (${maxTimeout}s); the build gets ${maxTimeout}s`);
  }
  const timeout = Math.min(build.timeoutSeconds ?? maxTimeout, maxTimeout);
  const preview = ctx.env.kind === 'pr';
  const image = builtImage(ctx, key, build, sidecar);
  const contextDir = repoPath(path, 'context', build.context);
  const dockerfile = build.dockerfile === 'Dockerfile'
    ? posix.join(contextDir, 'Dockerfile')
    : repoPath(path, 'dockerfile', build.dockerfile);
  const cloneSecret = ctx.input.source?.cloneSecretName;
  // A preview pushes with the preview credential only (none unless configured): the RUN steps of
  // a pull request's Dockerfile can read the credential the build mounts.
  const registrySecret = preview ? builder.previewRegistrySecretName : builder.registrySecretName;
  const fetchRef = ctx.env.kind === 'pr' ? `refs/pull/${ctx.env.pr}/head` : `refs/heads/${ctx.env.branch}`;
  const target = sidecar ? `${key}-${sidecar}` : key;
  // Shared by every environment at this commit, so no environment label.
  const labelScope: LabelScope = { app: ctx.env.app, environment: '', commit: ctx.commit, service: { name: key, app: service.app, version: service.version } };
  const args = [
    `--context=dir://${contextDir}`,
    `--dockerfile=${dockerfile}`,
    `--destination=${image}`,
    ...Object.entries(build.args).map(([k, v]) => `--build-arg=${k}=${v}`),
    ...(build.noCache ? ['--cache=false'] : builder.cacheRepo ? ['--cache=true', `--cache-repo=${cacheRepo(ctx, builder.cacheRepo)}`] : []),
    ...(builder.extraArgs ?? []),
  ];
  const secretEnv = (name: string, secretKey: string) => ({ name, valueFrom: { secretKeyRef: { name: cloneSecret!, key: secretKey, optional: true } } });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: buildJobName(ctx.env.app, target, ctx.commit, preview),
      namespace: builder.namespace ?? DEFAULT_BUILDER_NAMESPACE,
      labels: objectLabels(labelScope),
      annotations: { 'ria.dev/image': image },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: timeout,
      ttlSecondsAfterFinished: builder.ttlSecondsAfterFinished ?? DEFAULT_BUILD_TTL_SECONDS,
      template: {
        metadata: { labels: podLabels(objectLabels(labelScope), {}) },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          ...(builder.hostNetwork ? { hostNetwork: true } : {}),
          initContainers: [{
            name: 'fetch-source',
            image: builder.gitImage ?? DEFAULT_GIT_IMAGE,
            command: ['sh', '-c', FETCH_SCRIPT],
            env: [
              { name: 'REPO_URL', value: repoUrl },
              { name: 'COMMIT', value: ctx.commit },
              { name: 'FETCH_REF', value: fetchRef },
              { name: 'GIT_TERMINAL_PROMPT', value: '0' },
              ...(cloneSecret ? [secretEnv('GIT_USERNAME', 'username'), secretEnv('GIT_PASSWORD', 'password')] : []),
            ],
            volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }],
          }],
          containers: [{
            name: 'kaniko',
            image: builder.executorImage ?? DEFAULT_EXECUTOR_IMAGE,
            args,
            ...(builder.resources ? { resources: builder.resources } : {}),
            volumeMounts: [
              { name: 'workspace', mountPath: '/workspace' },
              ...(registrySecret ? [{ name: 'docker-config', mountPath: '/kaniko/.docker', readOnly: true }] : []),
            ],
          }],
          volumes: [
            ...(registrySecret ? [{ name: 'docker-config', secret: { secretName: registrySecret, items: [{ key: '.dockerconfigjson', path: 'config.json' }] } }] : []),
            { name: 'workspace', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** A path inside the checkout; `..` or an absolute path would read outside the repository. */
function repoPath(path: string, field: string, value: string): string {
  const normal = posix.normalize(value.replace(/\\/g, '/'));
  if (posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../')) {
    throw new RenderError(RenderErrorCode.Invalid, `${path}.${field}: "${value}" leaves the repository`, { path: `${path}.${field}`, value });
  }
  return normal === '.' ? '/workspace' : posix.join('/workspace', normal.replace(/\/+$/, ''));
}

/**
 * Kaniko's layer cache: a layer is found by the text of its Dockerfile step, not by what the step
 * produced, so a cache a pull request's build writes to could hand main's builds a layer the pull
 * request made (cache poisoning). Previews read and write their own cache, under the preview
 * registry path (`<preview registry>/cache`), which only the preview credential reaches.
 */
export function cacheRepo(ctx: RenderContext, configured: string): string {
  return ctx.env.kind === 'pr' ? `${previewRegistry(ctx.cluster).replace(/\/+$/, '')}/cache` : configured;
}
