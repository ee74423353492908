import type { RenderContext } from './context.js';
import { metadata, scope } from './context.js';
import type { KubeObject } from './types.js';
import { frameLabels } from './frame.js';

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
