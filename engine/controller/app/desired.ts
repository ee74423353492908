import { branchMatches } from '../../config/load.js';
import { environmentNamespace } from '../../render/names.js';
import type { AppSpec, EnvironmentSpec } from '../../crds/types.js';

export interface DesiredEnvironment { name: string; spec: EnvironmentSpec }

/**
 * Pure: the branch environments an app should have, from its remote refs. One per branch that
 * matches `branches` (globs allowed), named like its namespace (`<app>--<branch-slug>`, render/names.ts).
 */
export function desiredBranchEnvironments(appName: string, spec: AppSpec, refs: ReadonlyMap<string, string>): DesiredEnvironment[] {
  const out: DesiredEnvironment[] = [];
  for (const [ref, sha] of [...refs].sort(([a], [b]) => a.localeCompare(b))) {
    if (!ref.startsWith('refs/heads/')) continue;
    const branch = ref.slice('refs/heads/'.length);
    if (!branchMatches(branch, spec.branches)) continue;
    const namespace = environmentNamespace({ app: appName, kind: 'branch', branch, commit: sha });
    out.push({ name: namespace, spec: { app: appName, kind: 'branch', target: branch, branch, commit: sha, namespace } });
  }
  return out;
}
