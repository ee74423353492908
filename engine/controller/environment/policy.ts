/**
 * The policy lives in engine/policy (the CLI applies the same one); reconcile calls it from here.
 */
export { checkPolicy, policyFindings, type PolicyInput } from '../../policy/check.js';
