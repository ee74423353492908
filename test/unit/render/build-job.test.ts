import { test } from 'node:test';
import assert from 'node:assert/strict';
import { render, buildJobName, RenderError, DEFAULT_EXECUTOR_IMAGE } from '../../../engine/render/index.js';
import { input, riofile, service, sidecar, build, prEnv, cluster, COMMIT } from './model.js';
import { at } from './helpers.js';

const built = (over = {}) => riofile({ services: { web: service('web', { image: undefined, build: build(over) }) } });

test('a build Job: deterministic name, no retries, deadline from build.timeout, TTL', () => {
  const [job, ...rest] = render(input(built({ timeoutSeconds: 900 }))).buildJobs;
  assert.equal(at(render(input(built())).buildJobs[0], 'spec.activeDeadlineSeconds'), 1800, 'the default ceiling');
  assert.equal(rest.length, 0);
  assert.equal(job!.metadata.name, buildJobName('shop', 'web', COMMIT));
  assert.match(job!.metadata.name, /^build-shop-web-0123456789ab-[0-9a-f]{8}$/);
  assert.equal(job!.metadata.namespace, 'ria-builds');
  assert.equal(at(job, 'spec.backoffLimit'), 0);
  assert.equal(at(job, 'spec.activeDeadlineSeconds'), 900);
  assert.equal(at(job, 'spec.ttlSecondsAfterFinished'), 3600);
  assert.equal(at(job, 'spec.template.spec.restartPolicy'), 'Never');
  assert.equal(render(input(built())).buildJobs[0]!.metadata.name, job!.metadata.name, 'same (app, service, commit): same name');
  assert.equal(render(input(built(), { environment: prEnv })).buildJobs[0]!.metadata.name, buildJobName('shop', 'web', COMMIT, true), 'a PR builds apart: it pushes elsewhere');
  assert.notEqual(buildJobName('shop', 'web', COMMIT, true), job!.metadata.name);
  assert.notEqual(buildJobName('shop', 'web', 'f'.repeat(40)), job!.metadata.name);
  assert.notEqual(buildJobName('a-b', 'c', COMMIT), buildJobName('a', 'b-c', COMMIT), 'the hash keeps ambiguous joins apart');
  assert.ok(buildJobName('a'.repeat(80), 'b'.repeat(80), COMMIT).length <= 63);
});

test('the source is fetched at the exact commit; a PR falls back to refs/pull/N/head', () => {
  const job = render(input(built(), { environment: prEnv })).buildJobs[0]!;
  const fetch = at(job, 'spec.template.spec.initContainers.0');
  const env = Object.fromEntries(fetch.env.map((e: { name: string; value?: string }) => [e.name, e.value ?? e]));
  assert.equal(env.COMMIT, COMMIT);
  assert.equal(env.FETCH_REF, 'refs/pull/42/head');
  assert.equal(env.REPO_URL, 'https://github.com/example/shop.git');
  const script: string = fetch.command[2];
  assert.match(script, /git fetch -q --depth 1 origin "\$COMMIT" \|\| git fetch -q origin "\$FETCH_REF"/);
  assert.match(script, /git checkout -q --detach "\$COMMIT"/);
  assert.match(script, /rev-parse HEAD/, 'HEAD is verified against the commit');
  assert.equal(render(input(built())).buildJobs[0]!.spec && at(render(input(built())).buildJobs[0], 'spec.template.spec.initContainers.0.env.2.value'), 'refs/heads/main');
});

test('clone credentials come from the Secret as env, never inlined', () => {
  const job = render(input(built())).buildJobs[0]!;
  const env = at(job, 'spec.template.spec.initContainers.0.env');
  assert.deepEqual(env.find((e: { name: string }) => e.name === 'GIT_PASSWORD'), { name: 'GIT_PASSWORD', valueFrom: { secretKeyRef: { name: 'github-clone', key: 'password', optional: true } } });
  // The helper is single-quoted: git expands $GIT_PASSWORD when it runs, nothing is written to .git/config.
  assert.match(at(job, 'spec.template.spec.initContainers.0.command.2'), /credential\.helper '!f\(\) \{ echo "username=\$\{GIT_USERNAME:-x-access-token\}"; echo "password=\$\{GIT_PASSWORD\}"; \}; f'/);
  const publicRepo = render(input(built(), { source: { repoUrl: 'https://github.com/example/shop.git' } })).buildJobs[0]!;
  assert.equal(at(publicRepo, 'spec.template.spec.initContainers.0.env').some((e: { name: string }) => e.name === 'GIT_PASSWORD'), false);
});

test('kaniko: context, dockerfile, destination, build args, cache, registry credentials, resources', () => {
  const settings = { ...cluster, builder: { ...cluster.builder, resources: { limits: { cpu: '2', memory: '4Gi' } }, executorImage: 'cgr.dev/chainguard/kaniko:latest' } };
  const job = render(input(built({ context: './src/web', args: { VERSION: '1', MODE: 'prod' } }), { cluster: settings })).buildJobs[0]!;
  const kaniko = at(job, 'spec.template.spec.containers.0');
  assert.equal(kaniko.image, 'cgr.dev/chainguard/kaniko:latest');
  assert.deepEqual(kaniko.args, [
    '--context=dir:///workspace/src/web',
    '--dockerfile=/workspace/src/web/Dockerfile',
    `--destination=registry.example.com/ria/shop/web:${COMMIT}`,
    '--build-arg=VERSION=1',
    '--build-arg=MODE=prod',
    '--cache=true',
    '--cache-repo=registry.example.com/ria/cache',
  ]);
  assert.deepEqual(kaniko.resources, { limits: { cpu: '2', memory: '4Gi' } });
  assert.deepEqual(kaniko.volumeMounts[1], { name: 'docker-config', mountPath: '/kaniko/.docker', readOnly: true });
  const volumes = at(job, 'spec.template.spec.volumes');
  assert.deepEqual(volumes[0], { name: 'docker-config', secret: { secretName: 'registry-push', items: [{ key: '.dockerconfigjson', path: 'config.json' }] } });
  assert.equal(at(render(input(built())).buildJobs[0], 'spec.template.spec.containers.0.image'), DEFAULT_EXECUTOR_IMAGE);
});

test('a non-default dockerfile is a path from the repository root; noCache turns the cache off', () => {
  const kaniko = at(render(input(built({ context: 'app', dockerfile: 'docker/prod.Dockerfile', noCache: true }))).buildJobs[0], 'spec.template.spec.containers.0');
  assert.ok(kaniko.args.includes('--dockerfile=/workspace/docker/prod.Dockerfile'));
  assert.ok(kaniko.args.includes('--cache=false'));
  assert.equal(kaniko.args.some((a: string) => a.startsWith('--cache-repo')), false);
});

test('a context outside the repository is refused', () => {
  assert.throws(() => render(input(built({ context: '../other' }))), (e: unknown) => e instanceof RenderError && e.code === 'RenderInvalid' && /leaves the repository/.test(e.message));
  assert.throws(() => render(input(built({ dockerfile: '/etc/Dockerfile' }))), RenderError);
});

test('image: ./dir, a service without image and a built sidecar each get a Job', () => {
  const rf = riofile({ services: {
    a: service('a', { image: './services/a' }),
    b: service('b', { image: undefined }),
    c: service('c', { containers: [sidecar('helper', { image: './helper' })] }),
  } });
  const result = render(input(rf));
  assert.deepEqual(result.buildJobs.map((j) => at(j, 'spec.template.spec.containers.0.args.0')), ['--context=dir:///workspace/services/a', '--context=dir:///workspace', '--context=dir:///workspace/helper']);
  assert.equal(result.images['c/helper'], `registry.example.com/ria/shop/c-helper:${COMMIT}`);
  assert.equal(result.images.c, 'nginx:1.27');
});

test('the image is always <registry>/<app>/<service>:<commit>: pushRegistry, a foreign imageName or a tag are ignored with a warning', () => {
  const result = render(input(built({ pushRegistry: 'docker.io', imageName: 'other-app/web' })));
  assert.equal(result.images.web, `registry.example.com/ria/shop/web:${COMMIT}`);
  assert.deepEqual(result.warnings.filter((w) => w.code === 'BuildKeyIgnored').map((w) => w.path), ['services.web.build.pushRegistry', 'services.web.build.imageName']);
  assert.equal(render(input(built({ imageName: 'shop/web:stable' }))).images.web, `registry.example.com/ria/shop/web:${COMMIT}`);
  assert.equal(render(input(built({ imageName: 'shop/frontend' }))).images.web, `registry.example.com/ria/shop/frontend:${COMMIT}`, 'renamed inside the app path');
});

test('the repository, clone Secret and push Secret come from the config, whatever the Riofile says', () => {
  const job = render(input(built({ repo: 'https://evil.example.com/x.git', cloneSecretName: 'other-app-clone', pushRegistrySecretName: 'prod-push' }))).buildJobs[0]!;
  const env = at(job, 'spec.template.spec.initContainers.0.env');
  assert.equal(env.find((e: { name: string }) => e.name === 'REPO_URL').value, 'https://github.com/example/shop.git');
  assert.equal(env.find((e: { name: string }) => e.name === 'GIT_PASSWORD').valueFrom.secretKeyRef.name, 'github-clone');
  assert.equal(at(job, 'spec.template.spec.volumes.0.secret.secretName'), 'registry-push');
});

test('previews push under the preview path with the preview credential only, never the main one', () => {
  const preview = render(input(built(), { environment: prEnv })).buildJobs[0]!;
  assert.ok(at(preview, 'spec.template.spec.containers.0.args').includes(`--destination=registry.example.com/ria/previews/shop/web:${COMMIT}`));
  assert.equal(at(preview, 'spec.template.spec.volumes').some((v: { name: string }) => v.name === 'docker-config'), false, 'no preview credential configured: none mounted');
  const settings = { ...cluster, builder: { ...cluster.builder, previewRegistry: 'registry.example.com/previews', previewRegistrySecretName: 'preview-push' } };
  const configured = render(input(built(), { environment: prEnv, cluster: settings }));
  assert.equal(configured.images.web, `registry.example.com/previews/shop/web:${COMMIT}`);
  assert.equal(at(configured.buildJobs[0], 'spec.template.spec.volumes.0.secret.secretName'), 'preview-push');
});

test('the build timeout is the config\'s ceiling: a Riofile can lower it, not raise it', () => {
  const settings = { ...cluster, builder: { ...cluster.builder, timeoutSeconds: 600 } };
  assert.equal(at(render(input(built({ timeoutSeconds: 300 }), { cluster: settings })).buildJobs[0], 'spec.activeDeadlineSeconds'), 300);
  const capped = render(input(built({ timeoutSeconds: 360_000_000 }), { cluster: settings }));
  assert.equal(at(capped.buildJobs[0], 'spec.activeDeadlineSeconds'), 600);
  assert.ok(capped.warnings.some((w) => w.code === 'BuildTimeoutCapped'));
});

test('building needs the repository URL', () => {
  assert.throws(() => render(input(built(), { source: undefined })), /repository URL/);
});

test('a preview build reads and writes its own Kaniko cache under the preview registry, never main\'s (cache poisoning)', () => {
  const settings = { ...cluster, builder: { ...cluster.builder, cacheRepo: 'registry.example.com/ria/cache' } };
  const pr = { app: 'shop', kind: 'pr' as const, pr: 7, commit: COMMIT };
  const job = render(input(built(), { cluster: settings, environment: pr })).buildJobs[0]!;
  const args = at(job, 'spec.template.spec.containers.0').args as string[];
  assert.deepEqual(args.filter((a) => a.startsWith('--cache-repo')), ['--cache-repo=registry.example.com/ria/previews/cache']);
  const main = at(render(input(built(), { cluster: settings })).buildJobs[0], 'spec.template.spec.containers.0').args as string[];
  assert.deepEqual(main.filter((a) => a.startsWith('--cache-repo')), ['--cache-repo=registry.example.com/ria/cache']);
});
