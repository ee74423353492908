import { Webhooks } from '@octokit/webhooks';
import type { Settings } from '../config/types.js';
import type { KubeObjects } from '../kube/objects.js';
import type { EngineHooks, Log } from '../controller/context.js';
import type { EnvironmentSource } from '../controller/app/sync.js';
import type { Route } from '../server/http-server.js';
import { Counter, type MetricsRegistry } from '../observe/metrics.js';
import { createRateLimitConditions } from './rate-limit-condition.js';
import { createGitHubClients, type GitHubClients } from './clients.js';
import { PullRequestStore } from './pull-store.js';
import { PreviewQuotas } from './preview-quota.js';
import { createPreviewSource } from './preview-source.js';
import { createReporter, type Reporter } from './reporter.js';
import { registerEventHandlers, type BranchPush, type Poker } from './webhook-events.js';
import { API_VERSION, type App, type Environment } from '../crds/types.js';
import { branchMatches } from '../config/load.js';
import { environmentNamespace } from '../render/names.js';
import { webhookRoute } from './webhook-route.js';
import { normalizeRepoUrl } from './repo.js';
import { createWebhookSecretStore } from './webhook-secret-store.js';

export { WEBHOOK_PATH, MAX_PAYLOAD_BYTES } from './webhook-route.js';
export { githubSettings, type GitHubSettings } from './settings.js';
export { COMMENT_MARKER } from './pr-comment.js';

export interface GitHubIntegrationOptions {
  /** Kubernetes access (token Secret, Apps, preview namespaces and quotas). */
  objects: KubeObjects;
  /** Ria's namespace: the token Secret (`github.tokenSecret`) lives here. */
  namespace: string;
  /** The engine's current settings (ria.yaml); read on every use, so a config push applies at once. */
  settings: () => Pick<Settings, 'github'>;
  /** Usually `(url, push) => engine.poke(url, push)`; called lazily, so the engine may be created after this. */
  engine: Poker;
  log: Log;
  /** The shared webhook secret (from the Secret given at install); repositories may have their own (app files' `webhookSecret`). */
  webhookSecret?: string;
  /** ria_webhook_deliveries_total. */
  metrics?: { recordWebhookDelivery(event: string, result: string): void };
  /** Where ria_github_rate_limited_total is registered. */
  registry?: MetricsRegistry;
  /** Tests point Octokit elsewhere through settings; this swaps the fetch itself (rarely needed). */
  fetch?: typeof fetch;
  now?: () => number;
}

export interface GitHubIntegration {
  /** For startHttpServer({ routes }): POST /hooks/github. */
  routes: Route[];
  /** For createEngine({ sources }). */
  sources: EnvironmentSource[];
  /** For createEngine({ hooks }): merge with the metrics hooks. */
  hooks: Required<Pick<EngineHooks, 'environmentChanged' | 'environmentRemoved'>>;
  store: PullRequestStore;
  reporter: Reporter;
  clients: GitHubClients;
}

/**
 * Everything GitHub, built from one set of options: the webhook route, the pull-request preview
 * source and the reporting hooks. `ria engine` wires them as:
 *
 *   const gh = createGitHubIntegration({ objects, namespace, settings: () => ctx.settings(),
 *     engine: { poke: (url) => engine.poke(url) }, log, webhookSecret: env.RIA_WEBHOOK_SECRET,
 *     metrics: engineMetrics, registry: engineMetrics.registry });
 *   const { engine, ctx } = createEngine({ ..., sources: gh.sources, hooks: { ...metricsHooks, ...gh.hooks } });
 *   await startHttpServer({ ..., routes: gh.routes });
 */
export function createGitHubIntegration(options: GitHubIntegrationOptions): GitHubIntegration {
  const { objects, namespace, log, now = Date.now } = options;
  if (options.webhookSecret !== undefined && options.webhookSecret.length === 0) {
    throw new TypeError('[ria/github] option "webhookSecret" must not be empty (leave it out to disable the webhook route)');
  }
  const rateLimited = options.registry
    ? new Counter({ name: 'ria_github_rate_limited_total', help: 'Times GitHub told Ria to back off (rate limits).', registers: [options.registry] })
    : undefined;
  // `clients` is read lazily: the condition writer needs the settings the clients parse.
  const conditions = createRateLimitConditions({ objects, namespace, log, now, settings: () => clients.settings() });
  const clients = createGitHubClients({
    objects, namespace, settings: options.settings, log, now, ...(options.fetch ? { fetch: options.fetch } : {}),
    onRateLimited: (until, reason) => {
      rateLimited?.inc();
      log.warn('GitHub rate limit: backing off, no GitHub call until then', { until: until.toISOString(), reason });
      conditions.limited(until, reason).catch((err: Error) => log.warn('could not write the rate-limit condition', { error: err.message }));
    },
  });
  const store = new PullRequestStore(now);
  const quotas = new PreviewQuotas(objects);
  const reporter = createReporter({ clients, objects, namespace, log,
    onRemoved: async (env) => { if (env.spec.kind === 'pr') await quotas.removed(env.spec.namespace); } });
  const source = createPreviewSource({ clients, store, quotas, statuses: reporter.statuses, log, now, onQueued: reporter.hooks.environmentChanged });
  // The route is always there: deliveries are signed with the shared secret (from the install)
  // or with a repository's own (`webhookSecret` in its app file); with neither, all get 401.
  const webhooks = new Webhooks({ secret: options.webhookSecret ?? 'unused: the route verifies signatures itself',
    log: { debug() {}, info() {}, warn: (m: string) => log.warn(m), error: (m: string) => log.error(m) } });
  registerEventHandlers(webhooks, { engine: options.engine, store, log,
    onBranchPush: (push) => void queueBranch(push).catch((err: unknown) => log.warn('queued status failed', { error: (err as Error).message })) });
  const secrets = createWebhookSecretStore({ objects, namespace, now, ...(options.webhookSecret ? { shared: options.webhookSecret } : {}),
    onError: (err) => log.warn('reading the per-repository webhook secrets failed', { error: err.message }) });
  const routes: Route[] = [webhookRoute({ webhooks, secrets, log, ...(options.metrics ? { metrics: options.metrics } : {}) })];
  return { routes, sources: [source], hooks: reporter.hooks, store, reporter, clients };

  /**
   * A push to a tracked branch, its SHA checked to be the tip: "queued" on the pushed commit, unless
   * the engine already moved the Environment there (its own reports follow; a late "queued" would
   * read as a step back).
   */
  async function queueBranch(push: BranchPush): Promise<void> {
    const apps = await objects.list<App & { metadata: { name: string } }>(API_VERSION, 'App', { namespace });
    for (const app of apps) {
      if (sameRepo(app.spec.repo, push.cloneUrl) && branchMatches(push.branch, app.spec.branches)) {
        const name = environmentNamespace({ app: app.metadata.name, kind: 'branch', branch: push.branch, commit: push.sha });
        const current = await objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace, name });
        if (current?.spec.commit === push.sha) continue;
        reporter.hooks.environmentChanged({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name, namespace },
          spec: { app: app.metadata.name, kind: 'branch', target: push.branch, branch: push.branch, commit: push.sha, namespace: name } }, app);
      }
    }
  }
}

/** Clone URLs name one repository whatever their credentials, scheme or `.git` suffix. */
function sameRepo(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}
