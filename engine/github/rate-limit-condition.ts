import { API_VERSION, type App } from '../crds/types.js';
import type { KubeObjects } from '../kube/objects.js';
import type { Log } from '../controller/context.js';
import { setCondition } from '../controller/conditions.js';
import type { GitHubSettings } from './settings.js';
import { repoFromUrl } from './repo.js';

/** The App condition that says whether Ria can talk to GitHub for it (False while rate limited). */
export const GITHUB_CONDITION = 'GitHubReporting';
/** Its own field manager: the App's other conditions are written by the engine's app sync. */
export const GITHUB_FIELD_MANAGER = 'ria-github';

export interface RateLimitConditionsOptions {
  objects: Pick<KubeObjects, 'list' | 'applyStatus'>;
  namespace: string;
  settings: () => GitHubSettings | undefined;
  log: Log;
  now?: () => number;
}

/**
 * When GitHub says "wait", every App hosted there gets `GitHubReporting=False` (reason
 * RateLimited) saying until when and what waits (statuses, deployments, PR polling; deploys go
 * on); when the time has passed, `True` again. Written only on a change: no rate limit, no write.
 */
export function createRateLimitConditions(options: RateLimitConditionsOptions): { limited(until: Date, reason: string): Promise<void> } {
  const { objects, namespace, log, now = Date.now } = options;
  let timer: NodeJS.Timeout | undefined;

  const write = async (status: 'True' | 'False', reason: string, message: string): Promise<void> => {
    const settings = options.settings();
    if (!settings) return;
    const apps = await objects.list<App & { metadata: { name: string } }>(API_VERSION, 'App', { namespace });
    for (const app of apps) {
      if (!repoFromUrl(app.spec.repo, settings.host)) continue;
      const current = app.status?.conditions?.find((c) => c.type === GITHUB_CONDITION);
      // Nothing to say "resumed" about on an App that was never told it was limited.
      if (status === 'True' && current?.status !== 'False') continue;
      if (current && current.status === status && current.reason === reason && current.message === message) continue;
      const [condition] = setCondition(current ? [current] : [], { type: GITHUB_CONDITION, status, reason, message }, new Date(now()));
      await objects.applyStatus({ apiVersion: API_VERSION, kind: 'App', metadata: { name: app.metadata.name, namespace }, status: { conditions: [condition] } }, GITHUB_FIELD_MANAGER);
    }
  };

  return {
    async limited(until, reason) {
      if (timer) clearTimeout(timer);
      const message = `GitHub asked Ria to wait until ${until.toISOString()} (${reason}): commit statuses, deployments and pull-request polling resume then; deploys go on`;
      timer = setTimeout(() => {
        timer = undefined;
        write('True', 'Resumed', 'GitHub calls resumed').catch((err: Error) => log.warn('could not clear the rate-limit condition', { error: err.message }));
      }, Math.max(0, until.getTime() - now()) + 1_000);
      timer.unref();
      await write('False', 'RateLimited', message);
    },
  };
}
