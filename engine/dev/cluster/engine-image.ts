/**
 * The Ria engine image, built from the project's own Dockerfile by Kaniko on the real node, the
 * way Ria builds an app: the project's working tree is committed to a repository of a local git
 * server (project-snapshot.ts), and the build Job is the one Ria renders for a Riofile that builds
 * `Dockerfile` (fetch exactly the commit, Kaniko, push `<registry>/ria-local/ria/engine:<commit>`).
 * The Dockerfile's `FROM node:20-bookworm-slim` resolves to the local stand-in (images.ts) through
 * Kaniko's registry mirror; its `npm ci` steps install from this machine's npm cache
 * (npm-cache-mirror.ts, passed as the NPM_CONFIG_REGISTRY build argument). Nothing leaves the machine.
 *
 * The snapshot holds the files of the build context only (the .dockerignore applied). The built
 * image is cached as a tarball in the images cache, keyed by the snapshot's commit (a function of
 * that content only) and the base and executor images: a later start with the same
 * source pushes it instead of building again.
 */
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeRest } from '../../kube/rest.js';
import { KubeObjects, type KubeObject } from '../../kube/objects.js';
import { podLogReader } from '../../kube/pod-logs.js';
import { parseRiofile } from '../../riofile/index.js';
import { render } from '../../render/index.js';
import { snapshotProject } from '../project-snapshot.js';
import { dockerignoreFilter } from '../dockerignore.js';
import { startNpmCacheMirror } from '../npm-cache-mirror.js';
import type { FixtureServer } from '../git-fixtures.js';
import { nsenterArgs } from './netns.js';
import type { RealNodeInfo } from './real-node.js';
import { ClusterComponentError } from './errors.js';

const run = promisify(execFile);
const COMPONENT = 'engine-image';
/** The repository of the local git server the snapshot is committed to, and the app name of the build. */
export const ENGINE_SOURCE_REPO = 'ria';
export const ENGINE_BUILD_NAMESPACE = 'ria-local-builds';
const CACHED_PREFIX = 'ria-engine-';
/** Built engine images kept in the cache (each about 150 MB). */
const KEEP_CACHED = 2;

export interface EngineImageOptions {
  /** The project checkout whose Dockerfile builds the image. */
  projectDir: string;
  node: RealNodeInfo;
  kc: KubeConfig;
  /** A git server on the host whose port is exposed in the node's namespace (`repoUrl` reaches it there). */
  git: FixtureServer & { urlFor(repo: string): string };
  /** Makes a host loopback port reachable inside the node's namespace (the npm cache mirror's). */
  exposeHostPort(port: number): Promise<void>;
  onProgress?: (line: string) => void;
  cacheDir?: string;
  timeoutMs?: number;
}

export interface EngineImage {
  /** The reference pods pull (`<registry>/ria-local/ria/engine:<commit>`). */
  image: string;
  /** The snapshot commit the image was built from. */
  commit: string;
  /** False when the cached image of the same source was pushed instead. */
  built: boolean;
  seconds: number;
}

/** Ria's Riofile for its own engine: one service built from the Dockerfile at the repository root. */
export function engineRiofile(npmRegistry: string): string {
  return `services:\n  engine:\n    build:\n      dockerfile: Dockerfile\n      args:\n        NPM_CONFIG_REGISTRY: ${JSON.stringify(npmRegistry)}\n`;
}

/** The build Job Ria renders for that Riofile at `commit`, with the real node's builder settings. */
export function engineBuildJob(node: RealNodeInfo, commit: string, repoUrl: string, npmRegistry: string): KubeObject {
  const r = node.registry;
  const result = render({
    riofile: parseRiofile(engineRiofile(npmRegistry)),
    environment: { app: ENGINE_SOURCE_REPO, kind: 'branch', branch: 'main', commit },
    cluster: {
      domain: 'ria.localhost', registry: `${r}/ria-local`,
      builder: {
        namespace: ENGINE_BUILD_NAMESPACE, executorImage: node.images.kanikoExecutor, gitImage: node.images.git,
        hostNetwork: true, timeoutSeconds: 1200,
        // redo: snapshots compare file metadata instead of hashing every file (node_modules, the node binary).
        extraArgs: ['--insecure', '--insecure-pull', `--insecure-registry=${r}`, `--registry-mirror=${r}`, '--skip-default-registry-fallback', '--snapshot-mode=redo'],
      },
    },
    source: { repoUrl },
  });
  return result.buildJobs[0] as KubeObject;
}

export async function engineImage(o: EngineImageOptions): Promise<EngineImage> {
  const started = Date.now();
  const progress = o.onProgress ?? (() => {});
  const cacheDir = o.cacheDir ?? join(process.env.RIA_CACHE_DIR ?? join(homedir(), '.cache', 'ria'), 'images');
  const crane = (args: string[]) => craneInNode(o.node, args);
  // The build context as Docker would send it: edits to files it leaves out (tests, docs) build nothing new.
  const ignore = await readFile(join(o.projectDir, '.dockerignore'), 'utf8').catch(() => '');
  const commit = await snapshotProject(o.projectDir, o.git, ENGINE_SOURCE_REPO, { ...(ignore ? { keep: dockerignoreFilter(ignore) } : {}) });
  const repoUrl = o.git.urlFor(ENGINE_SOURCE_REPO);
  const image = `${o.node.registry}/ria-local/${ENGINE_SOURCE_REPO}/engine:${commit}`;
  // The base and executor images are part of what was built: their digests key the cache too.
  const bases = await Promise.all([o.node.images.nodeSlim, o.node.images.kanikoExecutor].map((ref) => crane(['digest', '--insecure', ref])));
  const key = `${CACHED_PREFIX}${commit.slice(0, 12)}-${createHash('sha256').update(bases.join('\n')).digest('hex').slice(0, 12)}`;
  const cached = join(cacheDir, `${key}.image.tar`);
  if (await stat(cached).then(() => true, () => false)) {
    await crane(['push', '--insecure', cached, image]);
    progress(`engine image ${image.slice(o.node.registry.length + 1)}: the cached build of this source pushed`);
    return { image, commit, built: false, seconds: (Date.now() - started) / 1000 };
  }

  const mirror = await startNpmCacheMirror();
  try {
    await o.exposeHostPort(mirror.port);
    progress(`building the engine image from ${join(o.projectDir, "Dockerfile")} with Kaniko on the node (commit ${commit.slice(0, 12)}; npm packages from this machine's npm cache, ${mirror.entries} entries)`);
    const job = engineBuildJob(o.node, commit, repoUrl, mirror.url);
    const objects = new KubeObjects(new KubeRest(o.kc));
    await objects.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ENGINE_BUILD_NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, { force: true });
    await removeUnfinishedJob(objects, job);
    await objects.apply(job, { force: true });
    await waitForJob(objects, job, o.timeoutMs ?? 20 * 60_000, progress, mirror.misses);
    objects.rest.close();
  } finally {
    await mirror.stop();
  }
  await mkdir(cacheDir, { recursive: true });
  await crane(['pull', '--insecure', image, `${cached}.tmp-${process.pid}`]);
  await rename(`${cached}.tmp-${process.pid}`, cached);
  await pruneCache(cacheDir, cached);
  const seconds = (Date.now() - started) / 1000;
  progress(`engine image ${image.slice(o.node.registry.length + 1)} built in ${seconds.toFixed(0)}s (cached as ${cached})`);
  return { image, commit, built: true, seconds };
}

async function waitForJob(objects: KubeObjects, job: KubeObject, timeoutMs: number, progress: (line: string) => void, misses: string[]): Promise<void> {
  const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace!, name: job.metadata.name };
  const started = Date.now();
  let nextNote = started + 60_000;
  for (;;) {
    const current = await objects.get<{ status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string; message?: string }[] } }>(ref);
    const s = current?.status;
    if (s?.succeeded) return;
    const failed = s?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    if (s?.failed || failed) {
      const log = await buildLog(objects, ref.namespace, ref.name);
      const missing = misses.length ? ` (not in this machine's npm cache: ${misses.slice(0, 5).join(', ')})` : '';
      throw new ClusterComponentError(COMPONENT, `the engine image build (Job ${ref.namespace}/${ref.name}) failed${missing}: ${failed?.message ?? ''}\n${log}`);
    }
    if (Date.now() - started > timeoutMs) {
      throw new ClusterComponentError(COMPONENT, `the engine image build (Job ${ref.namespace}/${ref.name}) did not finish within ${timeoutMs / 1000}s:\n${await buildLog(objects, ref.namespace, ref.name)}`);
    }
    if (Date.now() > nextNote) {
      progress(`engine image: still building (${Math.round((Date.now() - started) / 1000)}s)`);
      nextNote += 60_000;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A Job of the same name left by an earlier failed attempt on this cluster: its template (the
 * mirror's port) differs and is immutable, so it goes before the new one is made. */
async function removeUnfinishedJob(objects: KubeObjects, job: KubeObject): Promise<void> {
  const ref = { apiVersion: 'batch/v1', kind: 'Job', namespace: job.metadata.namespace!, name: job.metadata.name };
  const existing = await objects.get<{ status?: { succeeded?: number } }>(ref);
  if (!existing || existing.status?.succeeded) return;
  await objects.delete(ref, 'Foreground');
  const deadline = Date.now() + 60_000;
  while (await objects.get(ref)) {
    if (Date.now() > deadline) throw new ClusterComponentError(COMPONENT, `the earlier build Job ${ref.namespace}/${ref.name} was not removed within 60s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The last lines the build's containers wrote (fetch, then Kaniko), for an error message. */
async function buildLog(objects: KubeObjects, namespace: string, job: string): Promise<string> {
  const podLog = podLogReader(objects.rest);
  try {
    const pods = await objects.list('v1', 'Pod', { namespace, labelSelector: `job-name=${job}` });
    const pod = pods[0]?.metadata.name;
    if (!pod) return '(no build pod)';
    const lines: string[] = [];
    for (const container of ['fetch-source', 'kaniko']) {
      const text = await podLog(namespace, pod, container, { tailLines: 30 }).catch(() => '');
      if (text) lines.push(`[${container}]`, ...text.trimEnd().split('\n'));
    }
    return lines.join('\n') || '(no log)';
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

async function pruneCache(cacheDir: string, keep: string): Promise<void> {
  const entries = (await readdir(cacheDir)).filter((f) => f.startsWith(CACHED_PREFIX) && f.endsWith('.image.tar'));
  const dated = await Promise.all(entries.map(async (f) => ({ f: join(cacheDir, f), t: (await stat(join(cacheDir, f))).mtimeMs })));
  const old = dated.filter((d) => d.f !== keep).sort((a, b) => b.t - a.t).slice(KEEP_CACHED - 1);
  for (const d of old) await rm(d.f, { force: true });
}

/** crane inside the node's namespace, where the registry listens. */
export async function craneInNode(node: RealNodeInfo, args: string[]): Promise<string> {
  const [cmd, a] = nsenterArgs({ path: node.netnsPath }, node.crane, args);
  try {
    return (await run(cmd, a, { maxBuffer: 64 << 20 })).stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new ClusterComponentError(COMPONENT, `crane ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim().slice(-500)}`, undefined, err);
  }
}
