import { isDeepStrictEqual } from 'node:util';
import { API_VERSION, type App, type Environment } from '../../crds/types.js';
import type { EngineContext } from '../context.js';
import { desiredBranchEnvironments } from './desired.js';
import { applyEnvironment } from './sync.js';

/**
 * What a signed push webhook says about one branch: it moved from `before` to `sha`. Enough to
 * update that branch's Environment without listing the repository first (the listing is most of
 * the time between a push and its deploy); the next poll lists as usual and is the safety net.
 */
export interface PushHint {
  /** Full ref name, `refs/heads/<branch>`. */
  ref: string;
  sha: string;
  /** The SHA the ref had before the push (all zeros for a new branch). */
  before: string;
}

/**
 * A push hint with what the fetch of its ref resolved to (started when the webhook came): the
 * ref's tip per the server, or undefined when the fetch failed.
 */
export interface VerifiablePush extends PushHint {
  tip: Promise<string | undefined>;
}

export type PushSyncResult = { ok: true; changed: number } | { ok: false; reason: string };

const ZERO_SHA = /^0+$/;

/** Pure: whether a webhook's push can stand in for a listing (a branch that moved or was created, not deleted). */
export function usablePushHint(hint: PushHint): boolean {
  return hint.ref.startsWith('refs/heads/') && /^[0-9a-f]{40}$/.test(hint.sha) && !ZERO_SHA.test(hint.sha);
}

/**
 * Applies the pushed commits to their branch Environments. Only moves forward: a hint whose
 * `before` is not the commit the Environment is at (webhooks can arrive out of order, or one was
 * missed) is refused, and the caller lists the repository instead. Only to the ref's real tip:
 * a webhook is signed but replayable, and its delivery id is not signed, so a replayed or forged
 * `{ref: main, before: <deployed>, after: <a pull request's head>}` would otherwise deploy that
 * code as main; the hint counts only when the fetch of the ref itself resolved to `after`.
 * Never deletes anything.
 */
export async function syncAppFromPush(ctx: EngineContext, appName: string, hints: readonly VerifiablePush[], cachedApp?: App & { metadata: { name: string } },
  applied?: (name: string) => void): Promise<PushSyncResult> {
  const app = cachedApp ?? await ctx.objects.get<App & { metadata: { name: string } }>({ apiVersion: API_VERSION, kind: 'App', namespace: ctx.namespace, name: appName });
  if (!app || app.metadata.deletionTimestamp) return { ok: true, changed: 0 };
  let changed = 0;
  for (const hint of hints) {
    if (!usablePushHint(hint)) return { ok: false, reason: `${hint.ref}: not a branch update` };
    const [desired] = desiredBranchEnvironments(appName, app.spec, new Map([[hint.ref, hint.sha]]));
    if (!desired) continue; // a branch this app does not track
    const current = await ctx.objects.get<Environment>({ apiVersion: API_VERSION, kind: 'Environment', namespace: ctx.namespace, name: desired.name });
    if (current && isDeepStrictEqual(current.spec, desired.spec)) continue;
    const fromKnownCommit = current ? current.spec.commit === hint.before : ZERO_SHA.test(hint.before);
    if (!fromKnownCommit || current?.metadata.deletionTimestamp) return { ok: false, reason: `${hint.ref}: the push does not follow the deployed commit` };
    const tip = await hint.tip;
    if (tip !== hint.sha) return { ok: false, reason: `${hint.ref}: the fetch found ${tip ? `${tip.slice(0, 7)} at its tip` : 'no tip (it failed)'}, not the pushed ${hint.sha.slice(0, 7)}` };
    await applyEnvironment(ctx, app, desired, current !== undefined);
    applied?.(desired.name);
    changed++;
  }
  return { ok: true, changed };
}
