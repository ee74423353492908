import type { Environment } from '../../crds/types.js';
import type { Environment as RenderEnvironment } from '../../render/types.js';

/** Pure: the render's view of an Environment. */
export function renderEnvironment(env: Environment): RenderEnvironment {
  const { app, commit, namespace } = env.spec;
  return env.spec.kind === 'pr'
    ? { app, kind: 'pr', pr: env.spec.pullRequest ?? 0, commit, namespace }
    : { app, kind: 'branch', branch: env.spec.branch ?? env.spec.target, commit, namespace };
}
