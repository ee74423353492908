import { API_VERSION, type App, type Environment } from '../crds/types.js';
import { APP_LABEL } from '../controller/app/sync.js';
import type { EngineContext, Log } from '../controller/context.js';
import type { EnvironmentSource } from '../controller/app/sync.js';
import type { DesiredEnvironment } from '../controller/app/desired.js';
import { environmentNamespace } from '../render/names.js';
import type { GitHubClients } from './clients.js';
import { RateLimitedError } from './errors.js';
import { decidePreview, previewConfig } from './preview-policy.js';
import type { PullRequestStore } from './pull-store.js';
import type { PreviewQuotas } from './preview-quota.js';
import { statusContext } from './environment-report.js';
import type { StatusPoster } from './status-poster.js';
import { repoFromUrl, repoKey, type RepoRef } from './repo.js';

export interface PreviewSourceOptions {
  clients: GitHubClients;
  store: PullRequestStore;
  quotas: PreviewQuotas;
  statuses: StatusPoster;
  log: Log;
  /** A preview's head moved (or it is new): report it as queued before the engine picks it up. */
  onQueued?: (env: Environment, app: App) => void;
  now?: () => number;
}

/**
 * The engine's EnvironmentSource for pull requests: one `kind: pr` Environment per open PR that
 * passes the app's preview policy, at the PR's head commit. PRs come from webhooks (instant) and
 * from a conditional list request at most once per poll interval per repository (the safety
 * net). When the open PRs are not known (no token and no webhook yet, or GitHub failing),
 * `undefined` is returned so the engine leaves existing previews as they are.
 */
export function createPreviewSource(options: PreviewSourceOptions): EnvironmentSource {
  const { clients, store, quotas, statuses, log, now = Date.now } = options;
  const inFlight = new Map<string, Promise<void>>();
  /** app/pr -> head commit last returned; bounded by the open PRs of the apps. */
  const lastHead = new Map<string, string>();

  const poll = async (repo: RepoRef, intervalMs: number): Promise<void> => {
    const key = repoKey(repo);
    const last = store.polledAt(key);
    if (last !== undefined && now() - last < intervalMs * 0.9) return;
    const running = inFlight.get(key);
    if (running) return running;
    const task = (async () => {
      const api = await clients.api();
      if (!api) return;
      const requestedAt = now();
      const page = await api.listOpenPulls(repo, store.etag(key));
      if (page.notModified) store.notModified(key, requestedAt);
      else store.fromList(key, page.pulls, requestedAt, page.etag);
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, task);
    return task;
  };

  return {
    kind: 'pr',
    async desired(ctx: EngineContext, app: App & { metadata: { name: string } }): Promise<DesiredEnvironment[] | undefined> {
      const config = previewConfig(app.spec);
      // Previews off: an empty list (not undefined) so previews left from before are removed.
      if (!config.enabled) return [];
      const settings = clients.settings();
      if (!settings) return undefined;
      const repo = repoFromUrl(app.spec.repo, settings.host);
      if (!repo) return [];
      const key = repoKey(repo);
      if (settings.pollPullRequests) {
        try {
          await poll(repo, ctx.settings().pollIntervalMs);
        } catch (err) {
          if (!(err instanceof RateLimitedError)) log.warn('listing pull requests failed; using what webhooks said', { repo: key, error: (err as Error).message });
        }
      }
      if (!store.known(key)) return undefined;
      const appName = app.metadata.name;
      const out: DesiredEnvironment[] = [];
      const existing = lazy(() => ctx.objects.list<Environment & { metadata: { name: string } }>(API_VERSION, 'Environment', { namespace: ctx.namespace, labelSelector: `${APP_LABEL}=${appName}` }));
      const forkLabel = !config.forks ? config.forkLabel?.toLowerCase() : undefined;
      for (const open of store.open(key)) {
        const { pr, headSince } = open;
        let { labelHeads } = open;
        const target = `pr-${pr.number}`;
        const labelled = forkLabel !== undefined && pr.fork && pr.labels.some((l) => l.toLowerCase() === forkLabel);
        if (labelled && !labelHeads.has(forkLabel)) {
          // First sight since a restart: a vouch counts only if the cluster recorded it for this head.
          const recorded = (await existing()).find((e) => e.spec.kind === 'pr' && e.spec.pullRequest === pr.number && !e.metadata.deletionTimestamp);
          if (recorded?.spec.vouchedCommit === pr.headSha) {
            store.vouch(key, pr.number, forkLabel, pr.headSha);
            labelHeads = new Map([...labelHeads, [forkLabel, pr.headSha]]);
          }
        }
        const decision = decidePreview(pr, config, headSince, now(), labelHeads);
        if (!decision.build) {
          void skipStatus(repo, pr.headSha, statusContext(settings.statusContext, appName, target), decision.description);
          continue;
        }
        const namespace = environmentNamespace({ app: appName, kind: 'pr', pr: pr.number, commit: pr.headSha });
        if (config.quota) await quotas.ensure(namespace, appName, config.quota);
        const d: DesiredEnvironment = { name: namespace, spec: { app: appName, kind: 'pr', target, pullRequest: pr.number, commit: pr.headSha, namespace, ...(labelled ? { vouchedCommit: pr.headSha } : {}) } };
        if (lastHead.get(`${appName}/${pr.number}`) !== pr.headSha) {
          lastHead.set(`${appName}/${pr.number}`, pr.headSha);
          options.onQueued?.({ apiVersion: API_VERSION, kind: 'Environment', metadata: { name: d.name, namespace: ctx.namespace }, spec: d.spec }, app);
        }
        out.push(d);
      }
      // Webhooks only (no token, or the list failed so far): the store knows some PRs, not all.
      // Previews of PRs it never heard of are kept as they are rather than pruned.
      if (!store.listed(key)) {
        for (const env of await existing()) {
          if (env.spec.kind === 'pr' && env.spec.pullRequest !== undefined && !store.mentioned(key, env.spec.pullRequest) && !env.metadata.deletionTimestamp) {
            out.push({ name: env.metadata.name, spec: env.spec });
          }
        }
      }
      return out;
    },
  };

  async function skipStatus(repo: RepoRef, sha: string, context: string, description: string): Promise<void> {
    const settings = clients.settings();
    if (!settings?.statuses) return;
    try {
      const api = await clients.api();
      if (api) await statuses.post(api, repo, sha, { state: 'pending', context, description });
    } catch (err) {
      if (!(err instanceof RateLimitedError)) log.warn('posting a preview-skipped status failed', { sha, context, error: (err as Error).message });
    }
  }
}

/** Runs `load` at most once, when first asked. */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
}
