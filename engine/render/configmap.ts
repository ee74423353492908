import type { RenderContext } from './context.js';
import { metadata, scope } from './context.js';
import type { KubeObject } from './types.js';
import { sortKeys } from './labels.js';
import { configMapName } from './volumes.js';

/** `configs:` entries become ConfigMaps; keys sorted (order carries no meaning in a ConfigMap). */
export function renderConfigMaps(ctx: RenderContext): KubeObject[] {
  return Object.entries(ctx.riofile.configs).map(([name, data]) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: metadata(ctx, configMapName(name), scope(ctx)),
    data: sortKeys(data),
  }));
}
