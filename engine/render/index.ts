import { RiaError } from '../errors.js';
import { RenderError, RenderErrorCode } from './errors.js';
import { render as renderUnguarded } from './render.js';
import type { RenderInput, RenderResult } from './types.js';

/**
 * Rendering, with nothing but typed errors escaping: an unforeseen exception (Ria's bug) becomes a
 * RenderError coded RENDER_INTERNAL, which the reconcile writes to the Environment like any other
 * render failure, instead of a bare throw that leaves the user without a status.
 */
export function render(input: RenderInput): RenderResult {
  try {
    return renderUnguarded(input);
  } catch (err) {
    if (err instanceof RiaError) throw err;
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new RenderError(RenderErrorCode.Internal, `Ria could not render this Riofile (${what.slice(0, 200)}); this is a bug in Ria, please report it [RENDER_INTERNAL]`,
      { code: 'RENDER_INTERNAL' });
  }
}
export type { Environment, ClusterSettings, BuilderSettings, SourceSettings, RenderInput, RenderResult, RenderWarning, KubeObject } from './types.js';
export { RenderError, RenderErrorCode } from './errors.js';
export { environmentNamespace, environmentSlug, endpointHost, dnsLabel, labelValue, slug, shorten } from './names.js';
export { LabelKeys, objectLabels } from './labels.js';
export { buildJobName, DEFAULT_EXECUTOR_IMAGE, DEFAULT_GIT_IMAGE, DEFAULT_BUILDER_NAMESPACE } from './build-job.js';
export { IN_FLIGHT_METRIC, DEFAULT_CPU_UTILIZATION } from './hpa.js';
export { CLUSTER_SCOPED_KINDS } from './manifests.js';
export { toYaml, toJson } from './serialize.js';
