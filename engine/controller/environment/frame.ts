import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Settings } from '../../config/types.js';
import type { AppSpec, Environment, InventoryEntry } from '../../crds/types.js';
import { isProductionBranch } from '../../config/production.js';
import { allowOf, type Allow } from '../../policy/allow.js';
import { namespaceFrame, type FrameContext, type NamespaceFrame } from '../../render/frame.js';
import { NAMESPACE_ANNOTATION_KEYS, NAMESPACE_LABEL_KEYS } from '../../render/namespace.js';
import { ENVIRONMENT_PERMISSIONS_ROLE } from '../../install/rbac.js';
import { FIELD_MANAGER, type KubeObject } from '../../kube/objects.js';
import { errorMessage } from '../../errors.js';
import { conditionMessage } from '../conditions.js';
import { Reason } from '../reasons.js';
import { appRenderSettings } from './cluster-settings.js';
import { renderEnvironment } from './render-environment.js';
import { environmentOwner, notOwnedReason } from './ownership.js';
import { isIdentityObject } from './identity.js';
import { inventoryKey, pruneEntry } from './prune.js';
import { forgetWorkloads } from './memory.js';
import { leftoverInventory } from './leftovers.js';
import { workloadKey } from './apply.js';
import type { Outcome, ReconcileRun } from './outcome.js';

/**
 * The frame step (review9 F2): what the config repository lets an environment do at the API
 * server, made to hold before the commit is rendered, so that it holds also when the commit is
 * refused (PolicyDenied) or broken (RenderFailed) and never reaches the apply. Before, the
 * Namespace's `ria.dev/host-access`, Pod Security labels and route scope, and the identity's
 * `ria-environment-permissions` binding, were written only by applying a render: an operator
 * who revoked `hostPorts` while the commit still asked for a hostPort left the namespace as it
 * was, and the admission policies, which read those keys, let the app's pods go on writing
 * NodePort Services for as long as its writers kept the commit.
 *
 * - The Namespace's frame keys (render/frame.ts, the very function the render writes them with)
 *   are written whole, narrowing and widening alike: they are what the config grants now.
 * - Rights are only taken away here: without `permissions`, the identity's
 *   `ria-environment-permissions` binding and the environment's Roles and RoleBindings are
 *   deleted; without `globalPermissions`, its ClusterRoles and ClusterRoleBindings (each with the
 *   ownership check of the prune). What the config newly grants is applied with the next render.
 *
 * Written only when the frame changed: `status.frameHash` records the last one made to hold (a
 * hash of the config's frame), so a reconcile with the same config reads and writes nothing
 * here. A changed frame costs one read of the Namespace, and a write only if its keys differ.
 */
export async function applyFrame(run: ReconcileRun): Promise<Outcome | undefined> {
  const { ctx, env, status } = run;
  const spec = run.app!.spec;
  const frame = frameContext(ctx.settings(), spec, env, ctx.namespace);
  // Computed by the up-to-date step already (when it ran).
  const hash = run.frameHash ??= frameHash(frame, spec);
  if (status.frameHash === hash) return undefined;
  if (!status.inventory) {
    // No inventory recorded (review10 F4): a first deploy (no namespace yet, its apply writes the
    // frame), or an apply that failed half-way or whose first status was never written (leftovers.ts),
    // whose namespace holds the frame of that apply. Not read here, so a first deploy costs no
    // request more: the apply records the hash once it wrote the Namespace, and a run that ends
    // before the apply holds the frame on the namespace then (holdDeferredFrame).
    run.frameDeferred = true;
    return undefined;
  }
  if (status.inventory.some((e) => e.kind === 'Namespace' && e.name === env.spec.namespace)) {
    await writeNamespaceFrame(run, frame);
    await withdrawRights(run, allowOf(spec), status.inventory);
  }
  status.frameHash = hash;
  return undefined;
}

/**
 * The end of a run whose frame step found no inventory (review10 F4) and that did not apply the
 * Namespace (refused, broken, waiting for a build, failed): the frame is made to hold on the
 * environment's namespace if it exists and is the environment's (an earlier apply wrote it), and
 * the Roles and RoleBindings the config withdrew, found there by the environment's labels
 * (leftovers.ts), are deleted. Only then is the hash recorded: with no namespace, nothing is
 * recorded, and the next run (or its apply) tries again. One read of the Namespace, on such runs
 * only. A failure fails the run (FrameFailed, retried), whatever it ended with.
 */
export async function holdDeferredFrame(run: ReconcileRun, outcome: Outcome): Promise<Outcome> {
  const { ctx, env, status } = run;
  if (!run.frameDeferred || !run.app || !run.frameHash || status.frameHash === run.frameHash) return outcome;
  if (outcome.kind === 'noop' || outcome.kind === 'removed') return outcome;
  try {
    const spec = run.app.spec;
    const held = await writeNamespaceFrame(run, frameContext(ctx.settings(), spec, env, ctx.namespace));
    if (held !== 'held') return outcome;
    const allow = allowOf(spec);
    if (!allow.permissions) {
      const rbac = await leftoverInventory(ctx, environmentOwner(env), ['Role', 'RoleBinding']);
      await withdrawRights(run, allow, rbac);
    }
    status.frameHash = run.frameHash;
    return outcome;
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    return { kind: 'failed', reason: Reason.FrameFailed, message: conditionMessage(`frame: ${errorMessage(error)}`), error };
  }
}

/** Pure: what the frame is computed from: the environment, ria.yaml and the app's file (as the render has them). */
export function frameContext(settings: Settings, spec: AppSpec, env: Environment, riaNamespace: string): FrameContext {
  const production = env.spec.kind === 'branch' && isProductionBranch(spec, env.spec.branch ?? env.spec.target);
  const input = appRenderSettings(settings, spec, riaNamespace, undefined, production);
  return { env: renderEnvironment(env), cluster: input.cluster, input };
}

/**
 * Pure: the frame's hash, of the config alone: the Namespace's keys without the shortened
 * endpoint hostnames (they come with a commit, not the config) and the rights `allow` grants.
 */
export function frameHash(frame: FrameContext, spec: AppSpec): string {
  const allow = allowOf(spec);
  return createHash('sha256').update(JSON.stringify([namespaceFrame(frame, []), allow.permissions, allow.globalPermissions])).digest('hex').slice(0, 16);
}

/** Pure: the hostnames of the URLs the last applied render gave (status.urls). */
export function urlHosts(urls: Record<string, string[]> | undefined): string[] {
  const hosts = new Set<string>();
  for (const list of Object.values(urls ?? {})) {
    for (const url of list) {
      try { hosts.add(new URL(url).hostname); } catch { /* not a URL: not a host the render claimed */ }
    }
  }
  return [...hosts];
}

/**
 * Pure: the Namespace to apply, or undefined when the live one has the frame already. Under
 * Ria's field manager, so it carries the labels and annotations of Ria's own that manager owns on
 * the live Namespace as it is (render/namespace.ts: its `ria.dev/*` and `app.kubernetes.io/*`
 * labels): server-side apply removes what a manager's earlier apply had and this one lacks. Any
 * other key that manager owns there came from a Riofile's own Namespace manifest before Ria
 * refused them (the policy refuses them and render drops them now, policy/manifests.ts): it is
 * left out, so the write removes it, and such a key alone makes the write needed. The frame's keys
 * are fixed (always written, empty too), so none is left over.
 */
export function namespaceFrameObject(live: KubeObject, frame: NamespaceFrame): KubeObject | undefined {
  const labels = live.metadata.labels ?? {};
  const annotations = live.metadata.annotations ?? {};
  const owned = ownedMetadata(live);
  const foreign = owned.labels.some((k) => !NAMESPACE_LABEL_KEYS.has(k)) || owned.annotations.some((k) => !NAMESPACE_ANNOTATION_KEYS.has(k));
  const same = (want: Record<string, string>, have: Record<string, string>) => Object.entries(want).every(([k, v]) => have[k] === v);
  if (!foreign && same(frame.labels, labels) && same(frame.annotations, annotations)) return undefined;
  const keep = (keys: string[], ria: ReadonlySet<string>, from: Record<string, string>) =>
    Object.fromEntries(keys.filter((k) => ria.has(k) && from[k] !== undefined).map((k) => [k, from[k]!]));
  return {
    apiVersion: 'v1', kind: 'Namespace',
    metadata: {
      name: live.metadata.name,
      labels: { ...keep(owned.labels, NAMESPACE_LABEL_KEYS, labels), ...frame.labels },
      annotations: { ...keep(owned.annotations, NAMESPACE_ANNOTATION_KEYS, annotations), ...frame.annotations },
    },
    // A manifest's Namespace with a spec (finalizers): Ria's manager owns it, so it is kept too.
    ...(owned.spec && live.spec ? { spec: live.spec } : {}),
  };
}

interface Fields { [key: string]: Fields | undefined }

/** Pure: the label and annotation keys Ria's field manager owns on `live` (its Apply entry), and whether it owns some of the spec. */
function ownedMetadata(live: KubeObject): { labels: string[]; annotations: string[]; spec: boolean } {
  const entry = (live.metadata.managedFields as Array<{ manager?: string; operation?: string; subresource?: string; fieldsV1?: Fields }> | undefined)
    ?.find((m) => m.manager === FIELD_MANAGER && m.operation === 'Apply' && !m.subresource);
  const fields = entry?.fieldsV1 ?? {};
  const keys = (map: Fields | undefined) => Object.keys(map ?? {}).filter((k) => k.startsWith('f:')).map((k) => k.slice(2));
  const metadata = fields['f:metadata'];
  return { labels: keys(metadata?.['f:labels']), annotations: keys(metadata?.['f:annotations']), spec: fields['f:spec'] !== undefined };
}

/**
 * The Namespace's frame keys, as the engine (the third admission policy lets no one else change
 * them). Read first: a Namespace that is gone is made by the next apply, with the frame; one that
 * is not the environment's is not written (the apply refuses it too). Hostnames: the config's
 * custom domains and the shortened endpoint hostnames of the last applied render (its URLs).
 */
async function writeNamespaceFrame(run: ReconcileRun, frame: FrameContext): Promise<'held' | 'absent' | 'foreign'> {
  const { ctx, env, status, memory } = run;
  const ref = { apiVersion: 'v1', kind: 'Namespace', name: env.spec.namespace };
  const live = await ctx.objects.get<KubeObject>(ref);
  if (!live) return 'absent';
  const owner = environmentOwner(env);
  const why = notOwnedReason(owner, live);
  if (why) {
    ctx.log.warn('the frame is not written: the namespace is not the environment\'s', { environment: env.metadata.name, why });
    return 'foreign';
  }
  const object = namespaceFrameObject(live, namespaceFrame(frame, urlHosts(status.urls)));
  if (!object) return 'held';
  await ctx.objects.apply(object, { force: true });
  // Its last apply's fingerprint is not what is live now: the next drift check compares it afresh.
  memory.fields.delete(workloadKey(ref));
  ctx.log.info('frame written: the namespace\'s security keys follow the config', { environment: env.metadata.name });
  return 'held';
}

/** Pure: the inventory entries whose rights `allow` no longer grants, the identity's binding last (the others are deleted as the environment, with it). */
export function withdrawnEntries(inventory: readonly InventoryEntry[], allow: Pick<Allow, 'permissions' | 'globalPermissions'>, namespace: string): InventoryEntry[] {
  const rbac = (e: InventoryEntry) => e.apiVersion.startsWith('rbac.authorization.k8s.io/');
  const out = inventory.filter((e) => rbac(e) && (
    (!allow.permissions && (e.kind === 'Role' || e.kind === 'RoleBinding') && e.namespace === namespace
      && (!isIdentityObject(e) || e.name === ENVIRONMENT_PERMISSIONS_ROLE))
    || (!allow.globalPermissions && (e.kind === 'ClusterRole' || e.kind === 'ClusterRoleBinding') && e.namespace === undefined)));
  const identity = (e: InventoryEntry) => isIdentityObject(e) ? 1 : 0;
  return out.sort((a, b) => identity(a) - identity(b));
}

/**
 * Deletes what {@link withdrawnEntries} names of `inventory` (only the environment's own objects,
 * as the prune) and drops them from the recorded inventory, if there is one (with none, `inventory`
 * is what the namespace was found to hold, and the status is left without one: leftovers.ts).
 */
async function withdrawRights(run: ReconcileRun, allow: Allow, inventory: readonly InventoryEntry[]): Promise<void> {
  const { ctx, env, status, memory } = run;
  const entries = withdrawnEntries(inventory, allow, env.spec.namespace);
  if (!entries.length) return;
  const owner = environmentOwner(env);
  const done = new Set<string>();
  const pruned: string[] = [];
  try {
    for (const entry of entries) {
      const r = await pruneEntry(ctx, owner, entry);
      if (r.result === 'unserved') continue;
      done.add(inventoryKey(entry));
      if (r.result === 'skipped') ctx.log.warn('not deleted: not the environment\'s object', { environment: env.metadata.name, object: inventoryKey(entry), why: r.why });
      else if (r.result === 'deleted') pruned.push(`${entry.kind}/${entry.name}`);
    }
  } finally {
    if (status.inventory) status.inventory = status.inventory.filter((e) => !done.has(inventoryKey(e)));
    // What is applied is no longer the last render: should the config grant them again, the same
    // render is applied again (its hash alone would say there is nothing to do).
    if (done.size) delete status.appliedHash;
    forgetWorkloads(memory, entries.filter((e) => done.has(inventoryKey(e))));
    if (pruned.length) {
      ctx.log.info('rights the config withdrew deleted', { environment: env.metadata.name, objects: pruned });
      run.events.push({ type: 'Normal', reason: Reason.Pruned, message: conditionMessage(`pruned ${pruned.join(', ')}: the config no longer allows them`) });
    }
  }
}
