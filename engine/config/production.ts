import type { AppSpec } from '../crds/types.js';
import { branchMatches } from './load.js';

/** The production branch of an app: `productionBranch`, else the first of `branches` when it is a plain name. */
export function productionBranchOf(spec: Pick<AppSpec, 'productionBranch' | 'branches'>): string | undefined {
  return spec.productionBranch ?? spec.branches.find((b) => !b.includes('*'));
}

/** Whether a branch environment is the app's production one (a pull request never is). */
export function isProductionBranch(spec: Pick<AppSpec, 'productionBranch' | 'branches'>, branch: string): boolean {
  const production = productionBranchOf(spec);
  return production !== undefined && branchMatches(branch, [production]);
}
