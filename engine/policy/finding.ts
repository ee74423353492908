import type { ModelPath } from './locate.js';

/** One refusal of the policy, before it is located in the file: where in the model, and why. */
export interface Finding {
  path: ModelPath;
  message: string;
}
