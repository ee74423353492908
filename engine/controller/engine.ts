import { isDeepStrictEqual } from 'node:util';
import { CronJob } from 'cron';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { FsClient } from 'isomorphic-git';
import { API_VERSION, type App, type Environment } from '../crds/types.js';
import type { EngineContext } from './context.js';
import { KeyedQueue, type Priority } from './keyed-queue.js';
import { PollSchedule, systemClock, type ScheduleClock } from './poll-schedule.js';
import { resyncCronFor } from './resync.js';
import { Backoff } from './backoff.js';
import { watchCollection, type WatchHandle } from './informers.js';
import { AppView, type ViewedApp } from './app-view.js';
import { syncConfig, type AppWrites, type ConfigSource, type ConfigState } from './config/sync.js';
import { environmentApp, syncApp, type EnvironmentSource } from './app/sync.js';
import { syncAppFromPush, usablePushHint, type PushHint, type VerifiablePush } from './app/push.js';
import { fetchRefTip } from './environment/source.js';
import { branchMatches } from '../config/load.js';
import { reconcileEnvironment, type ReconcileMemory } from './environment/reconcile.js';
import { deleteSupersededBuilds } from './environment/builds.js';
import { builderNamespace } from './environment/cluster-settings.js';
import { workloadKey } from './environment/apply.js';
import { workloadLite } from './environment/memory.js';
import { deploymentEventNeedsReconcile } from './deployment-event.js';
import type { KubeObject } from '../kube/objects.js';
import { BuildTimings } from './build-timings.js';
import { countPhases } from '../observe/engine-metrics.js';
import type { EnvironmentPhase } from '../crds/types.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../rollout/types.js';

export interface EngineOptions {
  fs: FsClient;
  config: ConfigSource;
  /** Reconciles running at once (different keys). */
  concurrency?: number;
  /** Extra environment sources (pull-request previews). */
  sources?: EnvironmentSource[];
  /** Drift resync schedule (cron, with seconds). Default: every drift interval (resync.ts). */
  resyncCron?: string;
  /** Clock and timers of the poll rounds and the per-app poll schedule (tests drive them by hand). */
  clock?: ScheduleClock;
  /** The longest stop() waits for fetches of pushed refs still running (default STOP_FETCH_WAIT_MS). */
  stopFetchWaitMs?: number;
}

/**
 * What stop() gives the fetches of pushed refs still running: a git call's deadline (30 s) and a
 * little more, so one that reached the server ends with its answer or its deadline.
 */
export const STOP_FETCH_WAIT_MS = 35_000;

const CONFIG_KEY = 'config';
const appKey = (name: string) => `app/${name}`;
const envKey = (namespace: string, name: string) => `env/${namespace}/${name}`;

/**
 * Ria's main loop. Polls the config repo each poll interval (jittered) and every app repo once per
 * interval at the app's own offset in it (poll-schedule.ts: a trickle, not a burst), takes "poke"
 * calls (webhooks, `ria dev`) for an instant reaction, and reconciles Environments from a per-key
 * queue driven by watches on Environments, build Jobs and Deployments. Work a person is waiting
 * for (a poke, what it changes, a `ria rollout` action) goes in the queue's urgent lane, ahead
 * of polling, watches and the drift resync.
 */
export class Engine {
  readonly queue: KeyedQueue;
  readonly memory: ReconcileMemory = { lastApplied: new Map(), applied: new Map(), observed: new Map(), fields: new Map(), routeScope: new Map(), workloads: new Map() };
  readonly configState: ConfigState = {};
  private readonly backoff = new Backoff();
  private readonly watches: WatchHandle[] = [];
  private readonly environments = new Map<string, Environment>();
  private pollTimer: unknown;
  private readonly clock: ScheduleClock;
  private readonly schedule: PollSchedule;
  private resync: CronJob | undefined;
  private started = false;
  /** Set by stop(): a poll round still in flight then schedules no next one. */
  private stopped = false;
  private synced = false;

  constructor(private readonly ctx: EngineContext, private readonly options: EngineOptions) {
    this.clock = options.clock ?? systemClock;
    this.queue = new KeyedQueue({
      concurrency: options.concurrency ?? 4,
      worker: (key, run) => this.work(key, run.priority),
      onError: (key, err) => this.failed(key, err),
      // Fair between apps: one app's flood keeps at most half the workers while others' work waits.
      groupOf: (key) => queueGroup(key, this.environments.get(key)?.spec.app),
    });
    this.schedule = new PollSchedule({
      intervalMs: () => this.pollIntervalMs(),
      clock: this.clock,
      // An app in backoff is retried by its backoff timer, not by the schedule. A listing is
      // background work: environments waiting for a reconcile go first (the queue's burst rule
      // still gives listings every fifth start).
      due: (name) => { if (this.backoff.attempts(appKey(name)) === 0) this.queue.add(appKey(name), 'background'); },
    });
  }

  private pollIntervalMs(): number {
    return this.configState.settings?.pollIntervalMs ?? this.ctx.settings().pollIntervalMs;
  }

  /** Environments by phase, from the watch's view (ria_environments). */
  environmentPhases(): Partial<Record<EnvironmentPhase, number>> {
    return countPhases(this.environments.values());
  }

  /** True once the config was read at least once (readiness). */
  get ready(): boolean {
    return this.synced;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const rest = this.ctx.objects.rest;
    const ns = this.ctx.namespace;
    // The Apps: new and changed ones are synced at once (appChangeLane); the reconciles take their
    // App from this view (appForReconcile) instead of reading it each time.
    this.appWatch = watchCollection<ViewedApp>(rest, `/apis/${API_VERSION}/namespaces/${ns}/apps`, undefined, (app, event) => {
      if (event === 'delete') this.appGone(app.metadata.name, app.metadata.resourceVersion);
      else this.appSeen(app, 'normal');
    }, this.ctx.log);
    this.watches.push(this.appWatch);
    this.environmentWatch = watchCollection<Environment & { metadata: { name: string } }>(rest, `/apis/${API_VERSION}/namespaces/${ns}/environments`, undefined, (env, event) => {
      const key = envKey(ns, env.metadata.name);
      if (event === 'delete') {
        // The engine's copy: a delete found by listing again carries only the object's name.
        const gone = this.environments.get(key) ?? env;
        this.forgetEnvironment(key);
        if (gone.spec) this.ctx.hooks.environmentRemoved?.(gone, this.apps.get(gone.spec.app));
        this.queue.add(key);
        return;
      }
      const previous = this.environments.get(key);
      this.rememberEnvironment(key, env);
      // The status is Ria's alone: a change of nothing else is the engine's own status write
      // (each reconcile ends with one), and reconciling for it was a no-op. Everything else (the
      // spec, annotations, finalizers, deletion, labels) is looked at.
      if (previous && statusOnlyChange(previous, env)) return;
      this.queue.add(key, environmentEventPriority(previous, env));
    }, this.ctx.log);
    this.watches.push(this.environmentWatch);
    const builds = new BuildTimings(this.ctx.now);
    this.jobWatch = watchCollection<KubernetesObject>(rest, `/apis/batch/v1/namespaces/${builderNamespace(ns)}/jobs`, 'app.kubernetes.io/managed-by=ria', (job, event) => {
      const jobName = job.metadata?.name ?? '';
      if (event === 'delete') this.buildJobs.delete(jobName);
      else this.buildJobs.set(jobName, { app: job.metadata?.labels?.['ria.dev/app'], commit: job.metadata?.labels?.['ria.dev/commit'] });
      const finished = builds.observe(job, event);
      if (finished) this.ctx.hooks.buildFinished?.(finished.app, finished.service, finished.seconds, finished.ok);
      const labels = job.metadata?.labels ?? {};
      for (const [key, env] of this.environments) {
        if (env.spec.app === labels['ria.dev/app'] && env.spec.commit === labels['ria.dev/commit']) this.queue.add(key);
      }
    }, this.ctx.log);
    this.watches.push(this.jobWatch);
    this.watches.push(watchCollection<KubernetesObject>(rest, '/apis/apps/v1/deployments', 'app.kubernetes.io/managed-by=ria', (d, event) => {
      const meta = d.metadata ?? {};
      const wk = workloadKey({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: meta.namespace ?? '', name: meta.name ?? '' });
      // Remember the newest generation; the reconcile compares it with what Ria applied (a spec
      // change we did not make, kubectl scale/edit, is put back at once). Only workloads Ria applied.
      // Any event requeues the environment (a status change may be the rollout finishing), but
      // that of a rolled-out Deployment at the generation Ria applied, in an environment whose
      // last reconcile found it Ready: that reconcile would be a no-op (deployment-event.ts).
      const observed = event === 'delete' ? -1 : meta.generation ?? 0;
      if (event === 'delete') this.memory.workloads?.delete(wk);
      else this.memory.workloads?.set(wk, workloadLite({ ...d, apiVersion: 'apps/v1', kind: 'Deployment' } as KubeObject));
      if (this.memory.applied.has(wk) && (observed === -1 || observed > (this.memory.observed.get(wk) ?? 0))) this.memory.observed.set(wk, observed);
      const key = this.environmentInNamespace.get(meta.namespace ?? '');
      if (key && deploymentEventNeedsReconcile(d as KubeObject, event, this.memory.applied.get(wk), this.readyAfterLastReconcile.has(key))) this.queue.add(key);
    }, this.ctx.log));
    this.resync = CronJob.from({ cronTime: this.options.resyncCron ?? resyncCronFor(this.ctx.driftIntervalMs), start: true, onTick: () => { void this.resyncAll(); } });
    this.schedulePoll(0);
    this.schedule.start();
  }

  /**
   * Poke: a webhook said this repository changed. Polls it (and whatever uses it) now, in the
   * queue's urgent lane (ahead of poll rounds and resyncs; the Environments it changes follow in
   * the same lane). With the push's ref and SHAs, the branch's Environment is updated without
   * listing first, and the commit is fetched meanwhile (at once, not through the queue).
   */
  poke(repoUrl: string, push?: PushHint): Promise<string | undefined> | undefined {
    // Stopped (leadership lost): the queue takes nothing more, and no fetch starts after stop()'s wait.
    if (this.stopped) return undefined;
    const norm = normalizeUrl(repoUrl);
    let pushedTip: Promise<string | undefined> | undefined;
    if (normalizeUrl(this.options.config.url) === norm) this.queue.add(CONFIG_KEY, 'urgent');
    for (const app of this.apps.values()) {
      if (normalizeUrl(app.spec.repo) !== norm) continue;
      const name = app.metadata.name;
      this.ctx.listings.invalidate(app.spec.repo);
      const hinted = push && usablePushHint(push) && branchMatches(push.ref.slice('refs/heads/'.length), app.spec.branches);
      if (hinted && this.pushFetching.has(name)) {
        // One pushed fetch per app at a time: each started outside the queue takes an urgent fetch
        // slot, so an app's writers pushing many branches at once would take the slots from every
        // other app's work, past the queue's fairness (review8 F3). This push is found by listing.
        this.listAfterPush.add(name);
      } else if (push && hinted) {
        const hints = this.pushHints.get(name) ?? new Map<string, VerifiablePush>();
        // The fetch starts now (the reconcile then finds the commit cached) and says what the ref's
        // tip really is: the hint is used only if that is the pushed SHA (see syncAppFromPush).
        const tip = fetchRefTip(this.ctx, app, push.ref).catch((err: Error) => {
          this.ctx.log.debug('fetch of the pushed ref failed; the repository is listed instead', { app: name, error: err.message });
          return undefined;
        });
        this.pushedFetches.add(tip);
        this.pushFetching.add(name);
        void tip.finally(() => { this.pushedFetches.delete(tip); this.pushFetching.delete(name); });
        // Two pushes before the sync runs: one move from the first's `before` to the last's SHA.
        const earlier = hints.get(push.ref);
        hints.set(push.ref, { ...push, ...(earlier && earlier.sha === push.before ? { before: earlier.before } : {}), tip });
        this.pushHints.set(name, hints);
        pushedTip ??= tip;
      }
      this.queue.add(appKey(name), 'urgent');
    }
    return pushedTip;
  }

  /** Pushes seen by webhook and not yet applied, per app and ref (the newest per ref wins). */
  private readonly pushHints = new Map<string, Map<string, VerifiablePush>>();
  /** Fetches of pushed refs that poke() started outside the queue, until they settle. */
  private readonly pushedFetches = new Set<Promise<unknown>>();
  /** Apps with a fetch of a pushed ref running (at most one each). */
  private readonly pushFetching = new Set<string>();
  /** Apps with a push seen while their pushed fetch ran: their next sync lists the repository. */
  private readonly listAfterPush = new Set<string>();

  /**
   * Stops polling, watches and the queue (its running reconciles end first), then waits for the
   * fetches of pushed refs still running, at most stopFetchWaitMs: they run outside the queue,
   * and one left running would go on writing into its cache directory after the engine stopped
   * (beside the next leader's engine in this process, or into a directory being removed). Then,
   * as long again at most, for fetches answered at their deadline whose work still writes.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer !== undefined) this.clock.clearTimeout(this.pollTimer);
    this.schedule.stop();
    await this.resync?.stop();
    for (const w of this.watches) w.stop();
    await this.queue.stop();
    await this.pushedFetchesSettled();
    // Fetches answered at their deadline (a reconcile's or a push's) may still be writing.
    if ((await this.ctx.git.whenIdle?.(this.options.stopFetchWaitMs ?? STOP_FETCH_WAIT_MS)) === false) {
      this.ctx.log.warn('stopped with fetches abandoned at their deadline still writing into their cache directories');
    }
  }

  private async pushedFetchesSettled(): Promise<void> {
    if (this.pushedFetches.size === 0) return;
    const waitMs = this.options.stopFetchWaitMs ?? STOP_FETCH_WAIT_MS;
    let timer: unknown;
    const late = new Promise<'late'>((resolve) => { timer = this.clock.setTimeout(() => resolve('late'), waitMs); });
    try {
      if (await Promise.race([Promise.allSettled([...this.pushedFetches]), late]) === 'late') {
        this.ctx.log.warn('stopped with fetches of pushed refs still running', { fetches: this.pushedFetches.size, waitedMs: waitMs });
      }
    } finally {
      this.clock.clearTimeout(timer);
    }
  }

  private appWatch?: WatchHandle;
  private environmentWatch?: WatchHandle;
  private jobWatch?: WatchHandle;
  /** Build Jobs by name, from the Job watch: the app and commit each builds. */
  private readonly buildJobs = new Map<string, { app: string | undefined; commit: string | undefined }>();

  private mayHaveSupersededBuilds(app: string, liveCommits: ReadonlySet<string>): boolean {
    return mayHaveSupersededBuilds(this.jobWatch?.synced() ? this.buildJobs.values() : undefined, app, liveCommits);
  }
  /** Environments whose last reconcile ended Ready with nothing due (kept as each reconcile ends, not from the watch, which trails). */
  private readonly readyAfterLastReconcile = new Set<string>();
  /** Target namespace → Environment key: a Deployment event finds its environment without a scan. */
  private readonly environmentInNamespace = new Map<string, string>();

  /** Environments this process's app syncs applied that the watch has not delivered yet (for a minute at most): name -> app. */
  private readonly appliedNotYetWatched = new Map<string, { app: string; at: number }>();

  /**
   * Whose Environment of this name there is, from the synced watch and this process's own applies
   * since (an app sync's check that a new name is not another app's: it read the name from the API
   * server, a 404 for every new Environment of a cold start). Another writer's Environment the watch
   * has not delivered yet is missed, as the read could miss one written a moment after it.
   */
  private nameOwner(name: string): { app: string | undefined } | undefined {
    const env = this.environments.get(envKey(this.ctx.namespace, name));
    if (env) return { app: environmentApp(env) };
    const applied = this.appliedNotYetWatched.get(name);
    if (!applied || Date.now() - applied.at > 60_000) { this.appliedNotYetWatched.delete(name); return undefined; }
    return { app: applied.app };
  }

  private rememberEnvironment(key: string, env: Environment & { metadata: { name: string } }): void {
    if (env.metadata.namespace === this.ctx.namespace) this.appliedNotYetWatched.delete(env.metadata.name);
    const previous = this.environments.get(key);
    if (previous && previous.spec.namespace !== env.spec.namespace) this.environmentInNamespace.delete(previous.spec.namespace);
    // managedFields are most of an Environment's bytes and nothing the engine reads: not kept.
    const { managedFields: _owners, ...metadata } = env.metadata;
    this.environments.set(key, { ...env, metadata });
    this.environmentInNamespace.set(env.spec.namespace, key);
  }

  /** Environment key -> the resourceVersion its last reconcile left it at (read, or written by it). */
  private readonly lastSeen = new Map<string, string>();

  /**
   * Environment keys an app sync of this process applied since the key's last reconcile began:
   * the next reconcile reads. Cleared only as a reconcile starts, never by the watch: the watch may
   * deliver an older version of the Environment (the engine's own status write from before the
   * apply) after the apply, and that copy, being the version last seen, would pass for current
   * (review8 F2: the reconcile the apply queued ran on the spec from before it).
   */
  private readonly appliedSinceRead = new Set<string>();

  /** An app sync of this process applied Environment `env` of `app`. */
  private environmentApplied(app: string, env: string): void {
    // Until the watch delivers it, the engine knows this Environment from its own apply (nameOwner).
    this.appliedNotYetWatched.set(env, { app, at: Date.now() });
    this.appliedSinceRead.add(envKey(this.ctx.namespace, env));
  }

  /** As a reconcile of `key` starts: the watch's copy to start from (usableEnvironmentCopy), or undefined to read it. */
  private environmentCopyFor(key: string): (Environment & { metadata: { name: string } }) | undefined {
    const appliedSince = this.appliedSinceRead.delete(key);
    return usableEnvironmentCopy(this.environments.get(key), this.lastSeen.get(key), appliedSince);
  }

  private forgetEnvironment(key: string): boolean {
    this.readyAfterLastReconcile.delete(key);
    this.lastSeen.delete(key);
    const env = this.environments.get(key);
    if (!env) return false;
    this.environments.delete(key);
    if (this.environmentInNamespace.get(env.spec.namespace) === key) this.environmentInNamespace.delete(env.spec.namespace);
    return true;
  }

  /** The Environment watch has delivered its initial list: `this.environments` is complete. */
  private watchesSynced(): boolean {
    return this.environmentWatch?.synced() ?? false;
  }

  /**
   * Every environment looks again (drift). Listed from the API server, not taken from the watch:
   * a watch that died quietly would otherwise hide new Environments, or deletions, until a restart.
   */
  private async resyncAll(): Promise<void> {
    const ns = this.ctx.namespace;
    // The Apps too, for the same reason (the App watch's copies are what reconciles render with).
    await this.refreshApps('normal');
    try {
      const listed = await this.ctx.objects.list<Environment & { metadata: { name: string } }>(API_VERSION, 'Environment', { namespace: ns });
      const seen = new Set<string>();
      for (const env of listed) {
        const key = envKey(ns, env.metadata.name);
        seen.add(key);
        if (!this.environments.has(key)) this.rememberEnvironment(key, env);
      }
      for (const [key, env] of [...this.environments]) {
        if (seen.has(key)) continue;
        // Not listed: gone without the watch saying so, or created since the list was served.
        if (await this.ctx.objects.get({ apiVersion: API_VERSION, kind: 'Environment', namespace: ns, name: env.metadata.name })) continue;
        if (!this.forgetEnvironment(key)) continue; // the watch got there meanwhile
        this.ctx.hooks.environmentRemoved?.(env, this.apps.get(env.spec.app));
      }
    } catch (err) {
      this.ctx.log.warn('listing Environments for the resync failed; using the watch\'s view', { error: (err as Error).message });
    }
    // Background work, like polling: at a tick during a long cold start (N = 1,000, 20 min) all
    // N environments were queued ahead of the apps not yet synced, whose first listing then
    // waited behind N mostly no-op reconciles. Watch events and what syncs change stay normal.
    for (const key of this.environments.keys()) this.queue.add(key, 'background');
  }

  /**
   * The App objects, from the App watch, this process's own writes (the config sync's answers)
   * and the list of every resync tick: each copy taken only when newer than the one held
   * (app-view.ts), so no source can put back an older spec than one this process saw or wrote.
   */
  private readonly apps = new AppView();

  /**
   * The poll round, every interval (±10% jitter): the config repository. The apps' own
   * repositories are listed by the schedule, each at its offset. The App objects come from their
   * watch; they are listed here only while it has not delivered its first list (or the view
   * cannot compare versions: app-view.ts), as every round did before there was a watch.
   */
  private schedulePoll(delayMs: number): void {
    this.pollTimer = this.clock.setTimeout(() => {
      this.queue.add(CONFIG_KEY);
      const listing = this.appWatch?.synced() && this.apps.trusted ? Promise.resolve() : this.refreshApps('normal');
      void listing.finally(() => {
        // A round in flight when the engine stopped (leadership lost) schedules no next one.
        if (!this.started || this.stopped) return;
        // ±10% jitter so many engines do not poll in lockstep.
        this.schedulePoll(this.pollIntervalMs() * (0.9 + 0.2 * Math.random()));
      });
    }, delayMs);
  }

  /**
   * Lists the App objects (the resync's safety net: a watch that died quietly would otherwise hide
   * new, changed or deleted Apps until a restart); what is new or changed is queued now.
   */
  private async refreshApps(priority: Priority): Promise<void> {
    try {
      const { items, resourceVersion } = await this.ctx.objects.listAt<ViewedApp>(API_VERSION, 'App', { namespace: this.ctx.namespace });
      const { taken, removed } = this.apps.listed(items.map(leanApp), resourceVersion);
      for (const { app, previous } of taken) this.appTaken(app, previous, priority);
      if (removed.length) this.scheduleChanged();
    } catch (err) {
      this.ctx.log.warn('listing Apps failed; will retry next poll', { error: (err as Error).message });
    }
  }

  /** A copy of an App (the watch's, a write's answer): into the view when newer, and queued when new or changed. */
  private appSeen(copy: ViewedApp, priority: Priority): void {
    const app = leanApp(copy);
    const seen = this.apps.seen(app);
    if (seen.taken) this.appTaken(app, seen.previous, priority);
  }

  private appTaken(app: ViewedApp, previous: ViewedApp | undefined, priority: Priority): void {
    const name = app.metadata.name;
    const lane = appChangeLane(previous, app, priority);
    if (lane && this.backoff.attempts(appKey(name)) === 0) this.queue.add(appKey(name), lane);
    // The spec of the same App changed (a revoked `allow`, whoever wrote it): its environments look again now.
    if (lane && previous?.metadata.uid === app.metadata.uid) {
      for (const [key, env] of this.environments) if (env.spec.app === name) this.queue.add(key, lane === 'urgent' ? 'urgent' : 'normal');
    }
    if (!previous || previous.spec.repo !== app.spec.repo) this.scheduleChanged();
  }

  private appGone(name: string, resourceVersion: string | undefined): void {
    if (this.apps.removed(name, resourceVersion)) this.scheduleChanged();
  }

  /** The config sync's App writes and lists, into the view as the server answered them (before any reconcile it queues). */
  private appWrites(priority: Priority): AppWrites {
    return { written: (app) => this.appSeen(app, priority), seen: (app) => this.appSeen(app, priority), deleted: (name, rv) => this.appGone(name, rv) };
  }

  private scheduleDue = false;

  /** The poll schedule follows the view's Apps; set once per turn of the event loop (a list or the watch's first list delivers N at once). */
  private scheduleChanged(): void {
    if (this.scheduleDue) return;
    this.scheduleDue = true;
    queueMicrotask(() => {
      this.scheduleDue = false;
      this.schedule.set([...this.apps.values()].map((app) => ({ name: app.metadata.name, group: normalizeUrl(app.spec.repo) })));
    });
  }

  /**
   * The view's copy of an Environment's App for its reconcile (no read), or undefined: read it.
   * Only once the App watch has listed and while the view can order versions (app-view.ts).
   */
  private appForReconcile(env: Environment): ViewedApp | undefined {
    return usableAppCopy(this.apps.get(env.spec.app), env, Boolean(this.appWatch?.synced()) && this.apps.trusted);
  }

  private async work(key: string, priority: Priority): Promise<void> {
    const started = Date.now();
    if (key === CONFIG_KEY) {
      // Apps new to this process are queued as the view takes them (appSeen: the config sync's
      // write answer, or the watch), in the background lane, so a cold start goes app by app.
      const knownBefore = new Set([...this.apps.values()].map((a) => a.metadata.name));
      const result = await syncConfig(this.ctx, this.options.fs, this.options.config, this.configState, this.appWrites(priority));
      // The app sync writes the config's conditions (one writer of App status): those that changed
      // are queued (one backing off writes them at its retry).
      // An App new to this process is queued (background) as the view takes it, and its sync may
      // have run already: the watch can deliver the App before the write's answer is back, so
      // before this sync noted its conditions. Queued again, that one writes them; one still
      // waiting in its lane is not queued twice.
      for (const name of result.statusChanged) {
        if (this.apps.get(name) && this.backoff.attempts(appKey(name)) === 0) this.queue.add(appKey(name), knownBefore.has(name) && result.ok ? priority : 'background');
      }
      if (!result.ok) { this.retryLater(key, result.error); return; }
      this.backoff.succeed(key);
      this.synced = true;
      if (result.changed) {
        // An app's config (answers, allow, secretsFrom) or the settings may have changed: every
        // environment looks again; those whose inputs are unchanged stop at the no-op check.
        // The Apps it wrote are in the view already (appWrites): each of these reconciles takes
        // the new spec, even before the App watch delivers it.
        for (const envKey of this.environments.keys()) this.queue.add(envKey);
        if (!this.appWatch?.synced()) await this.refreshApps(priority);
      }
      return;
    }
    if (key.startsWith('app/')) {
      const name = key.slice(4);
      const known = this.apps.get(name);
      const hints = this.pushHints.get(name);
      // What an urgent sync changes is reconciled urgently too (the webhook's push → applied); what
      // a listing changes, ahead of other listings (the environment's apply before other apps' syncs).
      const applied = (env: string) => {
        this.environmentApplied(name, env);
        this.queue.add(envKey(this.ctx.namespace, env), priority === 'urgent' ? 'urgent' : 'normal');
      };
      // A push not fetched at once (listAfterPush): listed with the rest, hinted pushes included.
      const listAll = this.listAfterPush.delete(name);
      if (hints) this.pushHints.delete(name);
      if (hints && !listAll) {
        const pushed = await syncAppFromPush(this.ctx, name, [...hints.values()], known, applied);
        if (pushed.ok) { this.backoff.succeed(key); return; }
        this.ctx.log.debug('push not applied as is; listing the repository', { app: name, reason: pushed.reason });
      }
      const result = await syncApp(this.ctx, name, this.options.sources ?? [], {
        ...(known ? { app: known } : {}),
        ...(this.watchesSynced() ? { environments: () => [...this.environments.values()].filter((e) => e.spec.app === name), nameOwner: (env: string) => this.nameOwner(env) } : {}),
        applied,
        ...(this.configState.apps?.has(name) ? { config: this.configState.apps.get(name)! } : {}),
      });
      if (!result.ok) { this.retryLater(key, result.error); return; }
      this.backoff.succeed(key);
      const commits = new Set([...this.environments.values()].filter((e) => e.spec.app === name).map((e) => e.spec.commit));
      if (commits.size && this.mayHaveSupersededBuilds(name, commits)) await deleteSupersededBuilds(this.ctx, name, commits, known ? { apiVersion: API_VERSION, kind: 'App', metadata: known.metadata } : undefined);
      return;
    }
    const [, namespace, name] = key.split('/') as [string, string, string];
    // Rendering needs the settings of ria.yaml: wait for the first config read (after a restart too).
    if (!this.synced) { this.queue.addAfter(key, 500); return; }
    this.readyAfterLastReconcile.delete(key);
    const copy = this.environmentCopyFor(key);
    const outcome = await reconcileEnvironment(this.ctx, this.memory, namespace, name, undefined, copy, (env) => this.appForReconcile(env));
    const seen = outcome.env?.metadata.resourceVersion;
    if (seen && outcome.env?.metadata.namespace === this.ctx.namespace) this.lastSeen.set(key, seen); else this.lastSeen.delete(key);
    if (outcome.env?.status?.phase === 'Ready' && !outcome.error && outcome.requeueAfterMs === undefined && !outcome.env.metadata.deletionTimestamp) this.readyAfterLastReconcile.add(key);
    this.ctx.hooks.reconciled?.(outcome.result, (Date.now() - started) / 1000);
    this.ctx.log.debug('reconciled', { environment: name, result: outcome.result, requeueAfterMs: outcome.requeueAfterMs });
    // Status, Events and the GitHub report were sent by the reconcile itself, on every path.
    if (outcome.error) { this.retryLater(key, outcome.error); return; }
    this.backoff.succeed(key);
    if (outcome.requeueAfterMs !== undefined) this.queue.addAfter(key, outcome.requeueAfterMs);
  }

  private retryLater(key: string, err: Error): void {
    const delay = this.backoff.fail(key);
    this.ctx.log.warn('sync failed; backing off', { key, error: err.message, retryInMs: delay, attempt: this.backoff.attempts(key) });
    this.queue.addAfter(key, delay);
  }

  private failed(key: string, err: unknown): void {
    this.ctx.hooks.reconciled?.('failed', 0);
    this.retryLater(key, err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Pure: the lane an App's sync is queued in after the App objects were listed, or undefined when
 * it did not change. Urgent when the listing was (a webhook on the config repository). An App new
 * to this process (the first listing after a start, a new app file) is a listing like polling's:
 * background, so a cold start goes app by app. A changed spec (a revoked `allow`, new branches,
 * previews turned off) is normal work: a config writer's change does not wait behind every other
 * app's polling.
 */
export function appChangeLane(previous: App | undefined, app: App, priority: Priority): Priority | undefined {
  if (previous && previous.metadata.uid === app.metadata.uid && isDeepStrictEqual(previous.spec, app.spec)) return undefined;
  if (priority === 'urgent') return 'urgent';
  return previous && previous.metadata.uid === app.metadata.uid ? 'normal' : 'background';
}

/**
 * Pure: the app a queue key works for (the queue's fairness group): `app/<name>` is the app's;
 * `env/<namespace>/<name>` is its Environment's app (`app`, when the engine has seen it), else the
 * name's app part (`<app>--<env>`, names.ts); any other key (the config) is its own, under a name
 * no app can have.
 */
export function queueGroup(key: string, app?: string): string {
  if (key.startsWith('app/')) return key.slice(4);
  if (!key.startsWith('env/')) return `@${key}`;
  if (app !== undefined) return app;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.split('--')[0]!;
}

/**
 * Pure: whether an app may have a build Job for a commit none of its environments deploys, given
 * the build Jobs the Job watch knows (undefined: it has not listed them yet, so maybe). An app
 * sync lists the app's Jobs (to delete those) only then: it listed them after every sync, so a
 * cold start without builds listed Jobs once per app for nothing.
 */
export function mayHaveSupersededBuilds(jobs: Iterable<{ app: string | undefined; commit: string | undefined }> | undefined, app: string, liveCommits: ReadonlySet<string>): boolean {
  if (!jobs) return true;
  for (const job of jobs) if (job.app === app && job.commit && !liveCommits.has(job.commit)) return true;
  return false;
}

/**
 * Pure: the watch's copy of an Environment, for a reconcile to start from instead of reading it,
 * when it is the very version this process last saw of it (its last reconcile's read or status
 * write: nobody wrote it since, as far as the watch has delivered) and no app sync of this
 * process applied it since (the watch may not have delivered that yet). A copy: the reconcile
 * changes what it is given. Undefined: read it. In a cold start most reconciles are of an
 * Environment unchanged since the engine's own last write (rollout checks, requeues).
 */
export function usableEnvironmentCopy(watched: Environment | undefined, lastSeen: string | undefined, appliedSince: boolean): (Environment & { metadata: { name: string } }) | undefined {
  const rv = watched?.metadata?.resourceVersion;
  if (!watched || appliedSince || rv === undefined || rv !== lastSeen) return undefined;
  return structuredClone({ ...watched, apiVersion: API_VERSION, kind: 'Environment' }) as Environment & { metadata: { name: string } };
}

/**
 * Pure: the engine's copy of an Environment's App for its reconcile to use instead of reading it,
 * or undefined (read it). `trusted`: the App watch has listed, and the view orders versions, so
 * the copy is at least as new as anything this process wrote or saw of it. The uid matters: an
 * Environment owned by another App of the same name (deleted and recreated since the copy was
 * taken, or since the Environment was) is not this copy's; read it. A copy: the reconcile may
 * change what it is given.
 */
export function usableAppCopy(viewed: ViewedApp | undefined, env: Environment, trusted: boolean): ViewedApp | undefined {
  if (!trusted || !viewed) return undefined;
  const owner = env.metadata.ownerReferences?.find((r) => r.kind === 'App' && r.controller);
  if (owner && owner.uid !== viewed.metadata.uid) return undefined;
  return structuredClone(viewed);
}

/** An App as the engine keeps it: with its kind (a list's items may lack it), without managedFields (nothing reads them). */
function leanApp(app: ViewedApp): ViewedApp {
  const { managedFields: _owners, ...metadata } = app.metadata;
  return { ...app, apiVersion: API_VERSION, kind: 'App', metadata };
}

/**
 * Pure: the lane of an Environment watch event. Urgent when a person just asked for something on
 * it (`ria rollout ACTION ENV` set a new rollout-action annotation); the rest (status writes, the
 * app sync's spec updates, which queue their own urgency) are normal.
 */
export function environmentEventPriority(previous: Environment | undefined, next: Environment): Priority {
  const action = next.metadata?.annotations?.[ROLLOUT_ACTION_ANNOTATION];
  if (action === undefined || action === next.status?.rollout?.lastAction) return 'normal';
  return previous?.metadata?.annotations?.[ROLLOUT_ACTION_ANNOTATION] === action ? 'normal' : 'urgent';
}

/**
 * Pure: whether an Environment watch event changed its status and nothing a reconcile reads
 * besides (generation and spec, annotations, labels, finalizers, deletion). The
 * resourceVersion and managedFields change with every write and say nothing.
 */
export function statusOnlyChange(previous: Environment, next: Environment): boolean {
  const a = previous.metadata ?? {};
  const b = next.metadata ?? {};
  return a.generation === b.generation && a.deletionTimestamp === b.deletionTimestamp && a.uid === b.uid
    && isDeepStrictEqual(a.annotations ?? {}, b.annotations ?? {}) && isDeepStrictEqual(a.labels ?? {}, b.labels ?? {})
    && isDeepStrictEqual(a.finalizers ?? [], b.finalizers ?? [])
    && isDeepStrictEqual(previous.spec, next.spec);
}

function normalizeUrl(url: string): string {
  return url.replace(/^https?:\/\/[^@/]*@/, 'https://').replace(/^http:/, 'https:').replace(/\.git$/, '').replace(/\/$/, '').toLowerCase();
}
