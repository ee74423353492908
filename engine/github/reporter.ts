import { API_VERSION, type App, type Environment } from '../crds/types.js';
import type { KubeObjects } from '../kube/objects.js';
import type { EngineHooks, Log } from '../controller/context.js';
import type { GitHubClients } from './clients.js';
import { RateLimitedError } from './errors.js';
import { environmentReport, githubTarget, statusContext } from './environment-report.js';
import { StatusPoster } from './status-poster.js';
import { DeploymentTracker } from './deployments.js';
import { PreviewComments } from './pr-comment.js';
import { repoFromUrl } from './repo.js';
import { CoalescingQueue } from './serial.js';
import { environmentNamespace } from '../render/names.js';

/** The name an Environment of this spec gets today (it is named like its namespace), or undefined for a spec that names none. */
function currentEnvironmentName(spec: Environment['spec']): string | undefined {
  try {
    return spec.kind === 'pr'
      ? environmentNamespace({ app: spec.app, kind: 'pr', pr: spec.pullRequest ?? -1, commit: spec.commit })
      : environmentNamespace({ app: spec.app, kind: 'branch', branch: spec.branch ?? spec.target, commit: spec.commit });
  } catch {
    return undefined;
  }
}

export interface Reporter {
  hooks: Required<Pick<EngineHooks, 'environmentChanged' | 'environmentRemoved'>>;
  statuses: StatusPoster;
  /** Resolves when every queued report was sent (tests and shutdown). */
  idle(): Promise<void>;
}

export interface ReporterOptions {
  clients: GitHubClients;
  objects: Pick<KubeObjects, 'get'>;
  namespace: string;
  log: Log;
  /** Called after an environment is removed (preview namespace clean-up). */
  onRemoved?: (env: Environment) => Promise<void>;
}

/**
 * The engine hooks that tell GitHub what happened: a commit status and a deployment status for
 * each change of an environment, and the optional PR comment. Work runs in the background, one
 * report at a time per environment (latest wins), so a slow or rate-limited GitHub never slows
 * a reconcile.
 */
export function createReporter(options: ReporterOptions): Reporter {
  const { clients, objects, namespace, log } = options;
  const statuses = new StatusPoster(log);
  const deployments = new DeploymentTracker();
  const comments = new PreviewComments();
  const queue = new CoalescingQueue((key, err) => {
    // Rate limits are logged where they are detected; repeating them per report is noise.
    if (err instanceof RateLimitedError) return;
    log.warn('GitHub report failed', { environment: key, error: (err as Error).message });
  });

  const context = async (env: Environment, given: App | undefined) => {
    const app = given ?? await objects.get<App>({ apiVersion: API_VERSION, kind: 'App', namespace, name: env.spec.app });
    const settings = clients.settings();
    if (!app || !settings) return undefined;
    const repo = repoFromUrl(app.spec.repo, settings.host);
    if (!repo) return undefined;
    const api = await clients.api();
    return api ? { app, settings, repo, api } : undefined;
  };

  /**
   * An Environment removed because its name changed (an upgrade from `<app>-<env>` names to
   * `<app>--<env>`): its successor, under the current name, reports the same GitHub environment
   * and commit, so marking that deployment inactive would grey out the live one.
   */
  const renamed = async (env: Environment): Promise<boolean> => {
    const name = currentEnvironmentName(env.spec);
    if (name === undefined || name === env.metadata.name) return false;
    const successor = await objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace, name });
    return successor !== undefined && !successor.metadata.deletionTimestamp;
  };

  // Environments already reported removed (by uid). A change read before the delete can reach
  // the queue after the removal; posting it would bring a deployment back from "inactive".
  const removed = new RecentSet(1_000);

  return {
    statuses,
    idle: () => queue.idle(),
    hooks: {
      environmentChanged(env, app) {
        // A torn-down environment is reported once, by environmentRemoved.
        if (env.metadata.deletionTimestamp || (env.metadata.uid && removed.has(env.metadata.uid))) return;
        queue.push(env.metadata.name, async () => {
          const c = await context(env, app);
          if (!c) return;
          const report = environmentReport(env);
          if (c.settings.statuses) {
            await statuses.post(c.api, c.repo, report.commit, {
              state: report.state, context: statusContext(c.settings.statusContext, env.spec.app, githubTarget(env.spec)),
              description: report.description, ...(report.url ? { target_url: report.url } : {}),
            });
          }
          if (c.settings.deployments) await deployments.report(c.api, c.repo, env, c.app, report);
          if (c.settings.prComment && env.spec.kind === 'pr' && report.state === 'success' && report.url) {
            await comments.update(c.api, c.repo, env.spec.pullRequest!, env.spec.app, report.url, report.commit);
          }
        });
      },
      environmentRemoved(env, app) {
        if (env.metadata.uid) removed.add(env.metadata.uid);
        queue.push(env.metadata.name, async () => {
          await options.onRemoved?.(env);
          if (await renamed(env)) return;
          const c = await context(env, app);
          if (c?.settings.deployments) await deployments.inactive(c.api, c.repo, env);
        }, { final: true });
      },
    },
  };
}

/** A set that forgets its oldest entries past `limit` (bounded memory for a long-running engine). */
class RecentSet {
  private readonly items = new Set<string>();
  constructor(private readonly limit: number) {}
  has(item: string): boolean { return this.items.has(item); }
  add(item: string): void {
    this.items.add(item);
    if (this.items.size > this.limit) this.items.delete(this.items.values().next().value!);
  }
}
