export { render } from './render.js';
export type { Environment, ClusterSettings, BuilderSettings, SourceSettings, RenderInput, RenderResult, RenderWarning, KubeObject } from './types.js';
export { RenderError, RenderErrorCode } from './errors.js';
export { environmentNamespace, environmentSlug, endpointHost, dnsLabel, labelValue, slug, shorten } from './names.js';
export { LabelKeys, objectLabels } from './labels.js';
export { buildJobName, DEFAULT_EXECUTOR_IMAGE, DEFAULT_GIT_IMAGE, DEFAULT_BUILDER_NAMESPACE } from './build-job.js';
export { IN_FLIGHT_METRIC, DEFAULT_CPU_UTILIZATION } from './hpa.js';
export { CLUSTER_SCOPED_KINDS } from './manifests.js';
export { toYaml, toJson } from './serialize.js';
