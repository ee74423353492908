/**
 * Ria under test: the engine as its own process (`ria engine`, as the Deployment runs it, with the
 * Deployment's Node.js settings, engine/install/runtime.ts) as the identity `ria install` gives it
 * (its ClusterRoles, under its admission policies), a config repository listing the N apps, each app's repository with its Riofile,
 * and pushes announced by a signed GitHub `push` webhook.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import type { GitServer } from '../../engine/dev/git-server.js';
import { commitFiles } from '../../engine/dev/git-fixtures.js';
import { deliverWebhook, pushPayload } from '../../engine/dev/github-events.js';
import { WEBHOOK_PATH } from '../../engine/github/index.js';
import { freePorts } from '../../engine/dev/cluster/ports.js';
import { KubeObjects } from '../../engine/kube/objects.js';
import { KubeRest } from '../../engine/kube/rest.js';
import { installManifests, ENGINE_NAME } from '../../engine/install/manifests.js';
import { applyInstall } from '../../engine/install/apply-install.js';
import { API_VERSION, type Environment } from '../../engine/crds/types.js';
import { engineIdentity } from './identity.js';
import { engineRuntimeEnv } from '../../engine/install/runtime.js';
import { REPO_OWNER, riaConfigFiles, riofileFor, TRACKED_BRANCH, UNTRACKED_BRANCH, type BenchApp } from './workload.js';
import type { EngineUnderTest } from './side.js';
import { inBatches } from './batches.js';
import { seedRepo } from './seed-repo.js';
import { look, type Look } from './look.js';

const BIN = fileURLToPath(new URL('../../engine/cli/bin.js', import.meta.url));

export interface RiaSideOptions {
  admin: KubeConfig;
  git: GitServer;
  apps: BenchApp[];
  pollSeconds: number;
  /** --drift-interval of the engine. */
  driftS: number;
  domain: string;
  dir: string;
  nextDate: () => string;
}

export const RIA_NAMESPACE = 'ria-bench';

export function riaSide(o: RiaSideOptions): EngineUnderTest & { config: Record<string, string> } {
  const objects = new KubeObjects(new KubeRest(o.admin));
  const secret = randomBytes(24).toString('hex');
  const heads = new Map<string, string>();
  const config = riaConfigFiles(o.apps, { repoUrl: (r) => o.git.urlFor(r), pollSeconds: o.pollSeconds, gitHost: new URL(o.git.url).host, domain: o.domain });
  let child: ChildProcess | undefined;
  // Counted as Flux's are: each environment seen Ready at least once (bench/peers/flux-side.ts).
  const seenReady = new Set<string>();
  let webhookUrl = '';
  let metricsUrl = '';
  let envs: Look<Environment> | undefined;
  const side = {
    name: 'Ria', apps: o.apps, config, username: `system:serviceaccount:${RIA_NAMESPACE}:ria-engine`, triggerHow: 'signed GitHub push webhook',
    leaderElection: 'on, as installed: lease 15 s, renewed every 5 s',
    async prepare() {
      await mkdir(join(o.git.root, REPO_OWNER), { recursive: true });
      await inBatches(o.apps, 8, async (app) => {
        const shas = await seedRepo(o.git.root, app.repo, [
          { name: TRACKED_BRANCH, files: { Riofile: riofileFor(app, 0) }, message: 'first', date: o.nextDate() },
          { name: UNTRACKED_BRANCH, files: { Riofile: riofileFor(app, 0), NOTES: 'work in progress\n' }, message: 'wip', date: o.nextDate() },
        ]);
        heads.set(app.name, shas[TRACKED_BRANCH]!);
      });
      await seedRepo(o.git.root, 'ria-config', [{ name: 'main', files: config, message: 'apps', date: o.nextDate() }]);
      // What `ria install` writes (CRDs, the engine's ClusterRoles and bindings, the admission
      // policies), but the engine's Deployment and Service: the engine runs here as a process, as
      // that ServiceAccount, so every write pays the policies a real install pays.
      const install = installManifests({ namespace: RIA_NAMESPACE, image: 'ria:bench', configRepo: o.git.urlFor('ria-config') })
        .filter((obj) => obj.kind !== 'Deployment' && obj.kind !== 'Service');
      await applyInstall({ objects: install, client: objects });
      await engineIdentity(o.admin, RIA_NAMESPACE, ENGINE_NAME, join(o.dir, 'ria.kubeconfig'), { clusterAdmin: false });
    },
    async start() {
      // The bench's look at the Environments: one watch (look.ts).
      envs = look<Environment>(objects.rest, `/apis/${API_VERSION}/namespaces/${RIA_NAMESPACE}/environments`, (e) => {
        if (e.status?.phase === 'Ready') seenReady.add(e.metadata.name);
      });
      const [http, ops] = await freePorts(2) as [number, number];
      webhookUrl = `http://127.0.0.1:${http}${WEBHOOK_PATH}`;
      metricsUrl = `http://127.0.0.1:${ops}/metrics`;
      const log = createWriteStream(join(o.dir, 'ria-engine.log'));
      // RIA_BENCH_ENGINE_NODE_ARGS: Node flags for the engine alone (`--cpu-prof --cpu-prof-dir=DIR`: a profile written as it stops).
      const nodeArgs = (process.env.RIA_BENCH_ENGINE_NODE_ARGS ?? '').split(' ').filter(Boolean);
      child = spawn(process.execPath, [...nodeArgs, BIN, 'engine', '--config-repo', o.git.urlFor('ria-config'), '--namespace', RIA_NAMESPACE,
        '--kubeconfig', join(o.dir, 'ria.kubeconfig'), '--http-host', '127.0.0.1', '--http-port', String(http), '--ops-port', String(ops),
        '--log-level', 'warn', '--git-cache-dir', join(o.dir, 'ria-git-cache'), '--drift-interval', `${o.driftS}s`],
      { env: { PATH: process.env.PATH, RIA_WEBHOOK_SECRET: secret, ...engineRuntimeEnv() }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
    },
    async progress() {
      if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`the Ria engine exited (${child.exitCode}); log: ${join(o.dir, 'ria-engine.log')}`);
      const phases: Record<string, number> = {};
      for (const e of envs?.objects.values() ?? []) phases[e.status?.phase ?? 'none'] = (phases[e.status?.phase ?? 'none'] ?? 0) + 1;
      return { ready: seenReady.size, detail: `${envs?.objects.size ?? 0} environments ${JSON.stringify(phases)}, ${seenReady.size} seen Ready` };
    },
    async commit(app: BenchApp, round: number) {
      heads.set(`${app.name}:before`, heads.get(app.name)!);
      heads.set(app.name, await commitFiles(o.git, app.repo, TRACKED_BRANCH, { Riofile: riofileFor(app, round) }, `round ${round}`, { date: o.nextDate() }));
    },
    async trigger(app: BenchApp) {
      const [owner, name] = app.repo.split('/') as [string, string];
      await deliverWebhook(webhookUrl, secret, 'push', pushPayload({ owner, name, cloneUrl: o.git.urlFor(app.repo) },
        { ref: `refs/heads/${TRACKED_BRANCH}`, before: heads.get(`${app.name}:before`)!, after: heads.get(app.name)! }));
    },
    async selfReport() {
      try {
        return reconcileReport(await (await fetch(metricsUrl)).text());
      } catch (err) {
        return `metrics not read: ${(err as Error).message}`;
      }
    },
    pids: (): Record<string, number> => (child?.pid ? { 'ria engine': child.pid } : {}),
    async stop() {
      envs?.stop();
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child!.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
  return side;
}

/** Pure: the engine's reconcile counters from its /metrics text: reconciles by result, their time, polls. */
export function reconcileReport(metrics: string): string {
  const value = (re: RegExp): number => Number(re.exec(metrics)?.[1] ?? NaN);
  const results = [...metrics.matchAll(/^ria_reconcile_total\{result="([^"]+)"\} (\S+)$/gm)].map((m) => `${m[1]} ${Number(m[2])}`);
  const count = value(/^ria_reconcile_duration_seconds_count (\S+)$/m);
  const sum = value(/^ria_reconcile_duration_seconds_sum (\S+)$/m);
  const polls = [...metrics.matchAll(/^ria_poll_duration_seconds_count\{[^}]*\} (\S+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const cpu = value(/^process_cpu_seconds_total (\S+)$/m);
  return `reconciles ${count} (${results.join(', ')}), ${sum.toFixed(1)} s in all (mean ${(sum / count * 1000).toFixed(0)} ms); listings ${polls}; engine CPU ${cpu.toFixed(1)} s`;
}
