import type { RenderContext } from './context.js';
import { metadata, scope } from './context.js';
import type { KubeObject } from './types.js';
import { frameLabels } from './frame.js';
import { LabelKeys } from './labels.js';
import { RouteScopeAnnotations } from './route-scope.js';
import { HOST_ACCESS_ANNOTATION } from './host-access.js';

/**
 * The environment's Namespace: everything else of the environment lives in it. It carries the
 * Pod Security Admission labels, so the API server refuses pods the config did not allow even
 * if a check of Ria's missed one.
 */
export function renderNamespace(ctx: RenderContext): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(ctx, ctx.namespace, scope(ctx), { namespaced: false, labels: namespaceSecurityLabels(ctx) }) };
}

/** The Pod Security labels of the environment's namespace: they win over any a manifest writes. */
export function namespaceSecurityLabels(ctx: RenderContext): Record<string, string> {
  return frameLabels(ctx);
}

/**
 * The label and annotation keys Ria writes on the environment's Namespace: its own labels, Pod
 * Security's, the route scope and the host access. No other is a Riofile's to set there: the
 * cluster operators' NetworkPolicies, gateways' `allowedRoutes` and admission plugins
 * (PodNodeSelector, PodTolerationRestriction) select on a namespace's labels and annotations
 * (review9 F9, its engine-written half). The policy refuses any other key on a manifest's own
 * Namespace (policy/manifests.ts), and render drops them (render/manifests.ts), by these sets, so
 * the two cannot disagree; on the keys listed, Ria's values win over the manifest's.
 */
export const NAMESPACE_LABEL_KEYS: ReadonlySet<string> = new Set([...Object.values(LabelKeys), ...Object.keys(frameLabels({ input: {} }))]);
export const NAMESPACE_ANNOTATION_KEYS: ReadonlySet<string> = new Set([...Object.values(RouteScopeAnnotations), HOST_ACCESS_ANNOTATION]);

/** Whether a manifest object is the environment's own Namespace (which render writes Ria's metadata on). */
export function isOwnNamespace(obj: { kind: string; metadata?: { name?: string } }, namespace: string): boolean {
  return obj.kind === 'Namespace' && obj.metadata?.name === namespace;
}
