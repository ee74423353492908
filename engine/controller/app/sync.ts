import { isDeepStrictEqual } from 'node:util';
import { API_VERSION, ENVIRONMENT_FINALIZER, type App, type AppStatus, type Environment } from '../../crds/types.js';
import { ConditionType, conditionMessage, setCondition } from '../conditions.js';
import { Reason, sourceReason } from '../reasons.js';
import type { EngineContext } from '../context.js';
import { desiredBranchEnvironments, type DesiredEnvironment } from './desired.js';
import { configPart, type AppConfigStatus } from '../config/status.js';

export const APP_LABEL = 'ria.dev/app';

/** Extra desired environments from other sources (pull requests), and which kinds they own. */
export interface EnvironmentSource {
  kind: 'pr';
  desired(ctx: EngineContext, app: App & { metadata: { name: string } }): Promise<DesiredEnvironment[] | undefined>;
}

/**
 * What the engine already holds (the App from its view of the Apps, the app's Environments
 * from the watch), so a poll of 1,000 apps does not cost 2,000 reads. Without it, both are read.
 */
export interface AppSyncCache {
  app?: App & { metadata: { name: string } };
  environments?: () => Array<Environment & { metadata: { name: string } }>;
  /**
   * Whose Environment of this name there is, as the engine knows (its synced watch, and the
   * Environments this process applied since): `{ app }` when there is one, undefined when none.
   * Without it, a new Environment's name is read from the API server first.
   */
  nameOwner?: (name: string) => { app: string | undefined } | undefined;
  /** Called after each Environment this sync created or updated (the engine queues its reconcile). */
  applied?: (name: string) => void;
  /**
   * What the config sync says about this App (ConfigState.apps), written with the rest of the
   * status. Without it, the stored `configCommit`, ConfigValid and ConfigSynced are kept.
   */
  config?: AppConfigStatus;
}

export type AppSyncResult = { ok: true; changed: number } | { ok: false; error: Error };

/**
 * Lists the app repository's refs (one cheap request, no fetch) and makes the app's Environment
 * objects match: new branch → new Environment, moved branch → new spec.commit, deleted or
 * untracked branch → Environment deleted (its finalizer removes what it deployed). A listing
 * that fails changes nothing: an unreachable repository never causes a prune.
 */
export async function syncApp(ctx: EngineContext, appName: string, extraSources: EnvironmentSource[] = [], cached: AppSyncCache = {}): Promise<AppSyncResult> {
  const app = cached.app ?? await ctx.objects.get<App & { metadata: { name: string } }>({ apiVersion: API_VERSION, kind: 'App', namespace: ctx.namespace, name: appName });
  if (!app || app.metadata.deletionTimestamp) return { ok: true, changed: 0 };
  const now = ctx.now();
  const status: AppStatus = structuredClone(app.status ?? {});
  const started = Date.now();
  let desired: DesiredEnvironment[];
  const ownedKinds = new Set<string>(['branch']);
  try {
    const auth = await ctx.credentials(app.spec.cloneSecret);
    const { refs } = await ctx.listings.get(app.spec.repo, auth);
    ctx.hooks.polled?.(app.spec.repo, (Date.now() - started) / 1000);
    desired = desiredBranchEnvironments(appName, app.spec, refs);
    status.observedRefs = Object.fromEntries(desired.map((d) => [d.spec.target, d.spec.commit]));
    for (const source of extraSources) {
      const more = await source.desired(ctx, app);
      if (more) { desired.push(...more); ownedKinds.add(source.kind); }
    }
  } catch (err) {
    ctx.hooks.polled?.(app.spec.repo, (Date.now() - started) / 1000, err);
    const before = status.conditions?.find((c) => c.type === ConditionType.SourceReady);
    status.conditions = setCondition(status.conditions, { type: ConditionType.SourceReady, status: 'False',
      reason: sourceReason(err), message: conditionMessage(`${(err as Error).message}; retrying with backoff, nothing deployed is changed`) }, now);
    await writeAppStatus(ctx, app, status, cached.config);
    const after = status.conditions.find((c) => c.type === ConditionType.SourceReady)!;
    // One Warning per change (kubectl describe app); a failure that lasts records nothing more.
    if (before?.status !== 'False' || before.reason !== after.reason || before.message !== after.message) {
      await ctx.events.record(app, 'Warning', after.reason as Reason, after.message);
    }
    return { ok: false, error: err as Error };
  }

  const existing = cached.environments?.() ?? await ctx.objects.list<Environment & { metadata: { name: string } }>(API_VERSION, 'Environment', { namespace: ctx.namespace, labelSelector: `${APP_LABEL}=${appName}` });
  const byName = new Map(existing.map((e) => [e.metadata.name, e]));
  let changed = 0;
  for (const d of desired) {
    const current = byName.get(d.name);
    if (current && isDeepStrictEqual(current.spec, d.spec)) continue;
    // Being deleted: its finalizer is the teardown's to remove (an apply would hold it or drop it);
    // once it is gone, the next sync creates it anew.
    if (current?.metadata.deletionTimestamp) continue;
    if (!current && await takenByAnotherApp(ctx, appName, d.name, cached.nameOwner)) continue;
    await applyEnvironment(ctx, app, d, current !== undefined);
    cached.applied?.(d.name);
    changed++;
  }
  const wanted = new Set(desired.map((d) => d.name));
  for (const env of existing) {
    if (wanted.has(env.metadata.name) || !ownedKinds.has(env.spec.kind) || env.metadata.deletionTimestamp) continue;
    await ctx.objects.delete({ apiVersion: API_VERSION, kind: 'Environment', namespace: ctx.namespace, name: env.metadata.name });
    ctx.log.info('environment deleted', { environment: env.metadata.name, reason: 'branch gone or no longer tracked' });
    changed++;
  }
  status.environments = desired.length;
  status.conditions = setCondition(status.conditions, { type: ConditionType.SourceReady, status: 'True', reason: Reason.Listed, message: '' }, now);
  await writeAppStatus(ctx, app, status, cached.config);
  return { ok: true, changed };
}

/**
 * Whether an Environment of another app already has this name. Names of the current scheme never
 * collide (render/names.ts), but one left from the `<app>-<env>` scheme can (app shop, branch
 * `x--main` was `shop-x--main`, now app shop-x's main): a forced apply would take it over, with
 * the other app's namespace and objects. Wait instead until its own app's sync deletes it.
 */
async function takenByAnotherApp(ctx: EngineContext, appName: string, name: string, nameOwner?: AppSyncCache['nameOwner']): Promise<boolean> {
  let other: { app: string | undefined } | undefined;
  if (nameOwner) other = nameOwner(name);
  else {
    const env = await ctx.objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace: ctx.namespace, name });
    other = env && { app: environmentApp(env) };
  }
  const owner = other?.app;
  if (other === undefined || owner === appName) return false;
  ctx.log.warn('environment name taken by another app\'s Environment; waiting for it to be deleted', { environment: name, app: appName, owner: owner ?? '' });
  return true;
}

/** The app an Environment belongs to: its label, else its spec's. */
export function environmentApp(env: Environment): string | undefined {
  return env.metadata.labels?.[APP_LABEL] ?? env.spec?.app;
}

/**
 * Creates or updates one Environment, owned by its App (deleting the App deletes it), with its
 * finalizer from the start: one write where a first deploy made two (the creation, then the
 * reconcile's patch adding the finalizer). The finalizer is a set entry this apply owns beside
 * whoever else added it (ensureFinalizer, for an Environment an older engine made); the
 * finalizer step still adds it when missing (removed by hand).
 */
export async function applyEnvironment(ctx: EngineContext, app: App & { metadata: { name: string } }, d: DesiredEnvironment, exists: boolean): Promise<void> {
  await ctx.objects.apply({
    apiVersion: API_VERSION, kind: 'Environment',
    metadata: { name: d.name, namespace: ctx.namespace, labels: { [APP_LABEL]: app.metadata.name, 'app.kubernetes.io/managed-by': 'ria' },
      finalizers: [ENVIRONMENT_FINALIZER],
      ownerReferences: [{ apiVersion: API_VERSION, kind: 'App', name: app.metadata.name, uid: app.metadata.uid!, controller: true, blockOwnerDeletion: true }] },
    spec: d.spec,
  }, { force: true });
  ctx.log.info(exists ? 'environment updated' : 'environment created', { environment: d.name, commit: d.spec.commit });
}

/**
 * Conditions another writer owns on the App, with its own field manager: the GitHub integration
 * (rate limits, engine/github/rate-limit-condition.ts). This writer neither applies nor compares
 * them (each applying the whole status it read would put back an older copy of the other's).
 * The config sync's `configCommit`, ConfigValid and ConfigSynced are written here, from what it
 * says (AppSyncCache.config): one writer, so a new App's status is one write (before, the config
 * sync wrote them with its own field manager `ria-config`, and a cold start wrote every App's
 * status twice). Apps an older engine wrote keep that manager's entry; its values are taken over
 * here, forced, at the next change.
 */
export function ownedElsewhere(type: string): boolean {
  return isReportingCondition(type);
}

/** Conditions about reporting to GitHub (`GitHubReporting`): reporting is not deploying, so not part of Ready. */
function isReportingCondition(type: string): boolean {
  return type.startsWith('GitHub');
}

/** The part of an App's status the app sync owns. */
function ownPart(status: AppStatus | undefined): AppStatus {
  const own = structuredClone(status ?? {});
  if (own.conditions) own.conditions = own.conditions.filter((c) => !ownedElsewhere(c.type));
  if (own.conditions?.length === 0) delete own.conditions;
  return own;
}

/**
 * Writes the App's status (all of it but GitHub's conditions): the app sync's own part, the
 * config sync's (`config`; none: the stored one kept), and Ready summing them up. Only when it
 * changed: a sync that changes nothing writes nothing.
 */
export async function writeAppStatus(ctx: EngineContext, app: App, status: AppStatus, config?: AppConfigStatus): Promise<void> {
  const now = ctx.now();
  const fromConfig = configPart(app.status, config, now);
  if (fromConfig.configCommit) status.configCommit = fromConfig.configCommit;
  for (const c of fromConfig.conditions) {
    // In place (a list in another order would differ from the stored one, and be written again).
    const list = status.conditions ??= [];
    const i = list.findIndex((x) => x.type === c.type);
    if (i >= 0) list[i] = c; else list.push(c);
  }
  // Ready sums up the other conditions (ConfigValid included; reporting to GitHub is not
  // deploying, so GitHub's are not), for `kubectl get apps`.
  // ConfigSynced is about the config repository as a whole (another app's file, an unreachable
  // config repo): this app's deployments are not affected, so it is not part of this Ready either.
  const failing = (status.conditions ?? []).filter((c) => c.type !== ConditionType.Ready && c.status === 'False'
    && !isReportingCondition(c.type) && c.type !== ConditionType.ConfigSynced);
  status.conditions = setCondition(status.conditions, failing.length
    ? { type: ConditionType.Ready, status: 'False', reason: failing[0]!.reason, message: failing[0]!.message }
    : { type: ConditionType.Ready, status: 'True', reason: Reason.Ready, message: '' }, now);
  const own = ownPart(status);
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(own)), JSON.parse(JSON.stringify(ownPart(app.status))))) return;
  await ctx.objects.applyStatus({ apiVersion: API_VERSION, kind: 'App', metadata: { name: app.metadata.name, namespace: app.metadata.namespace! }, status: own });
  app.status = status;
}
