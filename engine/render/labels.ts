import { labelValue } from './names.js';

/**
 * Labels. Every rendered object carries the same ten keys so the engine can find, prune and
 * report on objects by app, environment, service and commit without parsing names:
 *
 * - `ria.dev/app` the Ria app; `ria.dev/environment` the environment slug; `ria.dev/commit` the
 *   commit rendered; `ria.dev/service` / `ria.dev/version` the Riofile service and its version.
 *   Objects shared by the whole environment (Namespace, ConfigMaps, routers...) have `""` there:
 *   an empty label value is valid and says "not one service", while selectors stay exact.
 * - `app.kubernetes.io/*`: `name` is the Riofile app (the service's `app`, which groups versions),
 *   `instance` is that name in this environment, `part-of` the Ria app, `managed-by: ria`.
 */
export const LabelKeys = {
  app: 'ria.dev/app',
  environment: 'ria.dev/environment',
  service: 'ria.dev/service',
  version: 'ria.dev/version',
  commit: 'ria.dev/commit',
  name: 'app.kubernetes.io/name',
  instance: 'app.kubernetes.io/instance',
  versionK8s: 'app.kubernetes.io/version',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

/** What an object belongs to. Absent service: shared by the environment. */
export interface LabelScope {
  app: string;
  environment: string;
  commit: string;
  service?: { name: string; app: string; version: string };
}

/** The label set of a rendered object, keys sorted. */
export function objectLabels(scope: LabelScope): Record<string, string> {
  const name = scope.service?.app ?? scope.app;
  return sortKeys({
    [LabelKeys.app]: labelValue(scope.app),
    [LabelKeys.commit]: labelValue(scope.commit),
    [LabelKeys.environment]: labelValue(scope.environment),
    [LabelKeys.service]: scope.service ? labelValue(scope.service.name) : '',
    [LabelKeys.version]: scope.service ? labelValue(scope.service.version) : '',
    [LabelKeys.instance]: labelValue(scope.environment ? `${name}--${scope.environment}` : name),
    [LabelKeys.managedBy]: 'ria',
    [LabelKeys.name]: labelValue(name),
    [LabelKeys.partOf]: labelValue(scope.app),
    [LabelKeys.versionK8s]: scope.service ? labelValue(scope.service.version) : '',
  });
}

/**
 * Labels of a workload's pods: the object labels without the commit. A commit that does not change
 * a service (same image, same spec) must not restart its pods, and a label in the pod template
 * would. User labels come first so they cannot override Ria's own keys.
 */
export function podLabels(own: Record<string, string>, user: Record<string, string>): Record<string, string> {
  const labels = Object.keys(user).length > 0 ? sortKeys({ ...user, ...own }) : { ...own };
  delete labels[LabelKeys.commit];
  return labels;
}

/** The immutable selector of a service's workload: these labels never change for its life. */
export function selectorLabels(riaApp: string, serviceName: string): Record<string, string> {
  return sortKeys({
    [LabelKeys.app]: labelValue(riaApp),
    [LabelKeys.service]: labelValue(serviceName),
  });
}

/** Selects the pods of every version of one Riofile app (the app-level Service). */
export function appSelector(riaApp: string, app: string): Record<string, string> {
  return sortKeys({ [LabelKeys.app]: labelValue(riaApp), [LabelKeys.name]: labelValue(app) });
}

/** A copy of `record` with keys in code-point order, so output does not depend on input order. */
export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record).sort(compare)) out[key] = record[key]!;
  return out;
}

/** Locale-independent string comparison (localeCompare depends on ICU data and locale). */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
