/**
 * Flux under test: source-controller and kustomize-controller as local processes (out of cluster,
 * leader election off, artifacts served on loopback) with their own identity; for each app a
 * repository holding the objects Ria renders for it, and a GitRepository + Kustomization over it.
 * The fastest trigger without notification-controller: the `reconcile.fluxcd.io/requestedAt`
 * annotation on the GitRepository (what `flux reconcile source git` sets).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import type { GitServer } from '../../engine/dev/git-server.js';
import { commitFiles } from '../../engine/dev/git-fixtures.js';
import { freePorts } from '../../engine/dev/cluster/ports.js';
import { KubeObjects } from '../../engine/kube/objects.js';
import { KubeRest } from '../../engine/kube/rest.js';
import { engineIdentity } from './identity.js';
import { FLUX_NAMESPACE, gitRepository, kustomization, KUSTOMIZE_API, RENDERED_FILE, renderedYaml, SOURCE_API, type ConfigFiles } from './flux-objects.js';
import { REPO_OWNER, TRACKED_BRANCH, UNTRACKED_BRANCH, type BenchApp } from './workload.js';
import type { EngineUnderTest } from './side.js';
import type { FluxBinaries } from './flux-build.js';
import { inBatches } from './batches.js';
import { seedRepo } from './seed-repo.js';
import { look, type Look } from './look.js';

const run = promisify(execFile);

export interface FluxSideOptions {
  admin: KubeConfig;
  /** The admin kubeconfig file (kubectl applies the CRDs with it). */
  adminKubeconfigPath: string;
  kubectl: string;
  git: GitServer;
  apps: BenchApp[];
  /** Ria's config for these apps: what `ria render --config` renders from. */
  config: ConfigFiles;
  pollSeconds: number;
  /** The Kustomizations' interval: how often each is applied again (dry run first, then what differs). */
  driftS: number;
  dir: string;
  flux: FluxBinaries;
  nextDate: () => string;
}

interface Kustomization {
  metadata: { name: string; namespace?: string };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

export function fluxSide(o: FluxSideOptions): EngineUnderTest {
  const objects = new KubeObjects(new KubeRest(o.admin));
  const children: Record<string, ChildProcess> = {};
  const kubeconfig = join(o.dir, 'flux.kubeconfig');
  // A Kustomization is Ready=Unknown while it reconciles again (every interval, 4 at a time): at
  // N = 1,000 some always are, so the cold start counts those seen Ready at least once.
  const seenReady = new Set<string>();
  let kustomizations: Look<Kustomization> | undefined;
  const side: EngineUnderTest = {
    name: 'Flux', apps: o.apps, username: `system:serviceaccount:${FLUX_NAMESPACE}:flux`, triggerHow: 'reconcile.fluxcd.io/requestedAt annotation on the GitRepository',
    // controller-runtime finds the namespace of its Lease only in a Pod (the service account's
    // namespace file): out of cluster, leader election cannot be turned on.
    leaderElection: 'off: out of cluster controller-runtime has no namespace for its Lease; in a cluster its 35/30/5 s defaults renew every 5 s, 12/min per controller',
    async prepare() {
      await run(o.kubectl, ['--kubeconfig', o.adminKubeconfigPath, 'apply', '--server-side', '-f', join(o.flux.dir, 'crds')]);
      await run(o.kubectl, ['--kubeconfig', o.adminKubeconfigPath, 'wait', '--for=condition=Established', '--timeout=60s', '-f', join(o.flux.dir, 'crds')]);
      await engineIdentity(o.admin, FLUX_NAMESPACE, 'flux', kubeconfig, { clusterAdmin: true });
      await mkdir(join(o.git.root, REPO_OWNER), { recursive: true });
      await inBatches(o.apps, 8, async (app) => {
        const rendered = renderedYaml(app, 0, o.config, 'ria-system');
        await seedRepo(o.git.root, app.repo, [
          { name: TRACKED_BRANCH, files: { [RENDERED_FILE]: rendered }, message: 'first', date: o.nextDate() },
          { name: UNTRACKED_BRANCH, files: { [RENDERED_FILE]: rendered, NOTES: 'work in progress\n' }, message: 'wip', date: o.nextDate() },
        ]);
        await objects.apply(gitRepository(app, o.git.urlFor(app.repo), o.pollSeconds) as never, { fieldManager: 'bench' });
        await objects.apply(kustomization(app, o.driftS) as never, { fieldManager: 'bench' });
      });
    },
    async start() {
      // The bench's look at the Kustomizations: one watch (look.ts), as for Ria's Environments.
      kustomizations = look<Kustomization>(objects.rest, `/apis/${KUSTOMIZE_API}/namespaces/${FLUX_NAMESPACE}/kustomizations`, (k) => {
        if (k.status?.conditions?.find((x) => x.type === 'Ready')?.status === 'True') seenReady.add(k.metadata.name);
      });
      const [storage, scMetrics, scHealth, kcMetrics, kcHealth] = await freePorts(5) as [number, number, number, number, number];
      await mkdir(join(o.dir, 'flux-storage'), { recursive: true });
      const env = { PATH: process.env.PATH, RUNTIME_NAMESPACE: FLUX_NAMESPACE, KUBECONFIG: kubeconfig, HOME: o.dir };
      const common = ['--enable-leader-election=false', '--log-level=info', '--watch-all-namespaces=true'];
      const start = (name: string, args: string[]) => {
        const log = createWriteStream(join(o.dir, `${name}.log`));
        const child = spawn(join(o.flux.dir, name), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout!.pipe(log);
        child.stderr!.pipe(log);
        children[name] = child;
      };
      start('source-controller', [...common, `--storage-path=${join(o.dir, 'flux-storage')}`, `--storage-addr=127.0.0.1:${storage}`,
        `--storage-adv-addr=127.0.0.1:${storage}`, `--metrics-addr=127.0.0.1:${scMetrics}`, `--health-addr=127.0.0.1:${scHealth}`]);
      start('kustomize-controller', [...common, `--metrics-addr=127.0.0.1:${kcMetrics}`, `--health-addr=127.0.0.1:${kcHealth}`]);
    },
    async progress() {
      for (const [name, c] of Object.entries(children)) if (c.exitCode !== null) throw new Error(`${name} exited (${c.exitCode}); log: ${join(o.dir, `${name}.log`)}`);
      const reasons: Record<string, number> = {};
      for (const k of kustomizations?.objects.values() ?? []) {
        const c = k.status?.conditions?.find((x) => x.type === 'Ready');
        const key = c ? `${c.status}:${c.reason ?? ''}` : 'none';
        reasons[key] = (reasons[key] ?? 0) + 1;
      }
      return { ready: seenReady.size, detail: `${kustomizations?.objects.size ?? 0} Kustomizations ${JSON.stringify(reasons)}, ${seenReady.size} seen Ready` };
    },
    async commit(app: BenchApp, round: number) {
      // Flux is given what CI would have rendered: rendering is not on its clock.
      await commitFiles(o.git, app.repo, TRACKED_BRANCH, { [RENDERED_FILE]: renderedYaml(app, round, o.config, 'ria-system') }, `round ${round}`, { date: o.nextDate() });
    },
    async trigger(app: BenchApp) {
      await objects.mergePatch({ apiVersion: SOURCE_API, kind: 'GitRepository', namespace: FLUX_NAMESPACE, name: app.name },
        { metadata: { annotations: { 'reconcile.fluxcd.io/requestedAt': new Date().toISOString() } } });
    },
    pids: () => Object.fromEntries(Object.entries(children).flatMap(([n, c]) => (c.pid ? [[n, c.pid]] : []))),
    async stop() {
      kustomizations?.stop();
      await Promise.all(Object.values(children).map(async (c) => {
        if (c.exitCode !== null) return;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }));
    },
  };
  return side;
}
