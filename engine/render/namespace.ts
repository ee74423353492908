import type { RenderContext } from './context.js';
import { metadata, scope } from './context.js';
import type { KubeObject } from './types.js';

/** The environment's Namespace: everything else of the environment lives in it. */
export function renderNamespace(ctx: RenderContext): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(ctx, ctx.namespace, scope(ctx), { namespaced: false }) };
}
