import { RiaError } from '../errors.js';

/** Why rendering refused its input (distinct from a RiofileError: the file parsed but cannot be rendered as asked). */
export const RenderErrorCode = {
  /** Environment or cluster settings are unusable (bad commit SHA, empty domain...). */
  Input: 'RenderInput',
  /** Two rendered objects would have the same kind, namespace and name. */
  Conflict: 'RenderConflict',
  /** A path in the Riofile escapes the repository (`context: ../..`) or similar. */
  Invalid: 'RenderInvalid',
  /** Rendering threw in a way Ria did not foresee (a bug): reported as this, never thrown raw. */
  Internal: 'RenderInternal',
} as const;
export type RenderErrorCode = (typeof RenderErrorCode)[keyof typeof RenderErrorCode];

export class RenderError extends RiaError {
  constructor(code: RenderErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}
