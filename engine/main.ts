import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeAccess } from './kube/kube-access.js';
import { leaseApi } from './leader/lease-api.js';
import { createEngine } from './controller/create.js';
import { resyncCronFor } from './controller/resync.js';
import { ensureCrds } from './controller/install-crds.js';
import type { Engine } from './controller/engine.js';
import type { EngineHooks } from './controller/context.js';
import type { Route } from './server/http-server.js';
import { startHttpServer } from './server/http-server.js';
import { labelLeaderPod } from './leader/pod-label.js';
import { startLeaderElection } from './leader/lease.js';
import { createLogger, isLogLevel, type Logger } from './observe/logger.js';
import { BuildResult, createEngineMetrics } from './observe/engine-metrics.js';
import { ENGINE_ENV, LEASE_NAME, HTTP_PORT, OPS_PORT, DEFAULT_NAMESPACE } from './install/manifests.js';
import { UsageError } from './errors.js';
import { KubeRest, type KubeRestOptions } from './kube/rest.js';
import { KubeObjects } from './kube/objects.js';
import { defaultSettings } from './config/load.js';
import { createGitHubIntegration } from './github/index.js';

/** Everything `ria engine` is configured with, read once at start (flags win over environment). */
export interface EngineSettings {
  namespace: string;
  configRepo: string;
  configBranch: string;
  configPath: string;
  configSecret?: string;
  webhookSecret?: string;
  httpHost: string;
  /** The webhook port: the one exposed to the internet (through the Service), /hooks/github only. */
  httpPort: number;
  /** The operations port: /healthz, /readyz, /metrics, for the kubelet and Prometheus. */
  opsPort: number;
  leaseName: string;
  identity: string;
  /** This replica's Pod (in-cluster): labelled while it leads, so the Service sends webhooks to it. */
  podName?: string;
  logLevel: string;
  kubeconfig?: string;
  gitCacheDir: string;
  /** How often every environment is compared with the cluster (drift); default 5 minutes. */
  driftIntervalMs?: number;
}

/** The only place Ria reads process.env: the rest of the engine gets these values passed in. */
export function readEngineSettings(flags: Partial<Record<keyof EngineSettings, string>>, env: NodeJS.ProcessEnv = process.env): EngineSettings {
  const configRepo = flags.configRepo ?? env[ENGINE_ENV.ConfigRepo];
  if (!configRepo) throw new UsageError(`the config repository is required: --config-repo URL or ${ENGINE_ENV.ConfigRepo}`);
  const port = portSetting('webhook (HTTP) port', flags.httpPort ?? env[ENGINE_ENV.HttpPort], HTTP_PORT);
  const opsPort = portSetting('operations port', flags.opsPort ?? env[ENGINE_ENV.OpsPort], OPS_PORT);
  if (port === opsPort && port !== 0) throw new UsageError(`the webhook port and the operations port must differ (both ${port})`);
  const logLevel = flags.logLevel ?? env[ENGINE_ENV.LogLevel] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`the log level must be debug, info, warn or error, not "${logLevel}"`);
  const configSecret = flags.configSecret ?? env[ENGINE_ENV.ConfigSecret];
  const webhookSecret = env[ENGINE_ENV.WebhookSecret];
  const kubeconfig = flags.kubeconfig ?? env.KUBECONFIG;
  return {
    namespace: flags.namespace ?? env[ENGINE_ENV.Namespace] ?? DEFAULT_NAMESPACE,
    configRepo,
    configBranch: flags.configBranch ?? env[ENGINE_ENV.ConfigBranch] ?? 'main',
    configPath: flags.configPath ?? env[ENGINE_ENV.ConfigPath] ?? '',
    ...(configSecret ? { configSecret } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    httpHost: flags.httpHost ?? '0.0.0.0',
    httpPort: port,
    opsPort,
    leaseName: env[ENGINE_ENV.LeaseName] ?? LEASE_NAME,
    identity: env[ENGINE_ENV.PodName] ?? `${hostname()}-${process.pid}`,
    ...(env[ENGINE_ENV.PodName] ? { podName: env[ENGINE_ENV.PodName] } : {}),
    logLevel,
    ...(kubeconfig ? { kubeconfig: kubeconfig.split(':')[0]! } : {}),
    gitCacheDir: flags.gitCacheDir ?? join(tmpdir(), 'ria-git-cache'),
    ...(flags.driftIntervalMs !== undefined ? { driftIntervalMs: durationSetting('drift interval', flags.driftIntervalMs) } : {}),
  };
}

/** `30s`, `5m`, `1h` (or plain seconds) in milliseconds; the schedule must fit a cron field (resync.ts). */
function durationSetting(what: string, raw: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(raw.trim());
  if (!m) throw new UsageError(`the ${what} is a duration like 30s, 5m or 1h, not "${raw}"`);
  const ms = Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
  try { resyncCronFor(ms); } catch (err) { throw new UsageError((err as Error).message); }
  return ms;
}

function portSetting(what: string, raw: string | undefined, dflt: number): number {
  const port = Number(raw ?? dflt);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`the ${what} must be a number from 0 to 65535, not "${raw}"`);
  return port;
}

/** Pieces other integrations (GitHub) add to the engine process. */
export interface EngineExtensions {
  routes?: Route[];
  hooks?: EngineHooks;
}

export interface RunningEngine {
  /** The webhook listener. */
  url: string;
  /** The operations listener (probes, metrics). */
  opsUrl: string;
  isLeader(): boolean;
  engine(): Engine | undefined;
  stop(): Promise<void>;
}

/**
 * Runs the engine process: two HTTP listeners at once (operations: health, readiness, metrics;
 * webhooks: the internet-facing one), and the reconcile loop only while this replica holds the
 * leader Lease, so two replicas are safe.
 */
export async function runEngine(settings: EngineSettings, log: Logger, extensions: EngineExtensions = {}): Promise<RunningEngine> {
  const engineLog = {
    info: (msg: string, f?: Record<string, unknown>) => log.info(msg, f), warn: (msg: string, f?: Record<string, unknown>) => log.warn(msg, f),
    error: (msg: string, f?: Record<string, unknown>) => log.error(msg, f), debug: (msg: string, f?: Record<string, unknown>) => log.debug(msg, f),
  };
  const kc = await loadKubeAccess(settings.kubeconfig);
  let engine: Engine | undefined;
  // Read when scraped: a standby replica (no engine) reports an empty queue and no environments.
  const metrics = createEngineMetrics({ state: {
    queueDepth: () => engine?.queue.depth ?? 0,
    environmentPhases: () => engine?.environmentPhases() ?? {},
  } });
  // GitHub: webhook route, pull-request previews, commit statuses and deployments. Without a token
  // Secret in ria.yaml it makes no REST call; without a webhook secret it adds no route.
  // One count of the API server's "send it again" answers (429, 5xx with Retry-After), whichever client got them.
  const kube: KubeRestOptions = {
    onRetry: (note) => {
      metrics.recordKubeRetry(note.reason);
      log.debug('the API server asked for the request again', { verb: note.verb, status: note.status, waitMs: note.waitMs, attempt: note.attempt });
    },
  };
  const objects = new KubeObjects(new KubeRest(kc, kube));
  const github = createGitHubIntegration({
    objects, namespace: settings.namespace, log: engineLog,
    settings: () => engine?.configState.settings ?? defaultSettings(),
    engine: { poke: (url, push) => engine?.poke(url, push) },
    ...(settings.webhookSecret ? { webhookSecret: settings.webhookSecret } : {}),
    metrics, registry: metrics.registry,
  });
  const hooks: EngineHooks = {
    ...github.hooks,
    ...extensions.hooks,
    reconciled: (result, seconds) => { metrics.recordReconcile(result, seconds); extensions.hooks?.reconciled?.(result, seconds); },
    polled: (repo, seconds, error) => {
      if (error) metrics.recordPollError(repo); else metrics.recordPoll(repo, seconds);
      extensions.hooks?.polled?.(repo, seconds, error);
    },
    buildFinished: (app, service, seconds, ok) => {
      metrics.recordBuild(app, service, ok ? BuildResult.Succeeded : BuildResult.Failed, seconds);
      extensions.hooks?.buildFinished?.(app, service, seconds, ok);
    },
  };

  const ops = await startHttpServer({
    name: 'ops', host: settings.httpHost, port: settings.opsPort, logger: log, metrics: metrics.registry,
    // Readiness does not depend on leadership: a standby must be Ready or rolling updates hang.
    isReady: () => (engine && !engine.ready ? { ready: false, reason: 'waiting for the first read of the config repository' } : true),
  });
  const server = await startHttpServer({
    name: 'webhook', host: settings.httpHost, port: settings.httpPort, logger: log, routes: [...github.routes, ...(extensions.routes ?? [])],
  }).catch(async (err: unknown) => { await ops.close(); throw err; });
  log.info('engine listening', { url: server.url, opsUrl: ops.url, namespace: settings.namespace, configRepo: settings.configRepo });

  // The Service selects the leader's Pod. A container restarted in the Pod that led keeps the
  // label: clear it before anything else, the election sets it again if this replica wins.
  const markLeader = async (leading: boolean): Promise<void> => {
    if (!settings.podName) return;
    await labelLeaderPod(objects, settings.namespace, settings.podName, leading).catch((err: Error) =>
      log.warn(leading ? 'could not label this Pod as the leader: webhooks may reach the standby and wait for the next poll' : 'could not remove the leader label from this Pod',
        { pod: settings.podName, error: err.message }));
  };
  await markLeader(false);

  const election = startLeaderElection({
    client: leaseApi(objects), namespace: settings.namespace, name: settings.leaseName, identity: settings.identity, logger: log,
    async onStartedLeading() {
      log.info('leading: starting the reconcile loop');
      const { engine: next, ctx } = createEngine({
        kc, kube, namespace: settings.namespace, gitCacheDir: settings.gitCacheDir, log: engineLog, hooks, sources: github.sources,
        ...(settings.driftIntervalMs ? { driftIntervalMs: settings.driftIntervalMs } : {}),
        config: { url: settings.configRepo, branch: settings.configBranch, path: settings.configPath, ...(settings.configSecret ? { secret: settings.configSecret } : {}) },
      });
      await ensureCrds(ctx.objects);
      engine = next;
      next.start();
      await markLeader(true);
    },
    async onStoppedLeading() {
      log.info('no longer leading: stopping the reconcile loop');
      const current = engine;
      engine = undefined;
      await markLeader(false);
      await current?.stop();
    },
  });
  return {
    url: server.url,
    opsUrl: ops.url,
    isLeader: () => election.isLeader(),
    engine: () => engine,
    async stop() {
      await election.stop();
      await Promise.all([server.close(), ops.close()]);
    },
  };
}

export function engineLogger(level: string, stream: NodeJS.WritableStream = process.stdout): Logger {
  return createLogger({ stream, level: isLogLevel(level) ? level : 'info', base: { component: 'ria-engine' } });
}
