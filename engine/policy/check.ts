import { RiofileError, RiofileErrorCode, type RiofileIssue } from '../riofile/errors.js';
import type { Riofile } from '../riofile/model.js';
import type { AppSpec } from '../crds/types.js';
import { allowOf, howToAllow, type Allow } from './allow.js';
import type { Finding } from './finding.js';
import { createLocator } from './locate.js';
import { manifestFindings } from './manifests.js';
import { serviceHostAccess } from './pods.js';
import { buildFindings } from './builds.js';
import { previewSecretFindings } from './secrets.js';
import { externalServiceFindings } from './external-services.js';
import { previewConfig } from '../github/preview-policy.js';
import type { ClusterSettings, Environment } from '../render/types.js';
import { isProductionBranch } from '../config/production.js';
import type { RouteScope } from './routes.js';

/** Everything the policy decides from; the engine and `ria validate/render --config` fill it alike. */
export interface PolicyInput {
  riofile: Riofile;
  /** The Riofile as written (errors are located in it). */
  source: string;
  file: string;
  app: string;
  spec: AppSpec;
  /** The environment's namespace: the only one its objects may live in. */
  namespace: string;
  /** A pull request preview or a tracked branch. */
  kind: 'branch' | 'pr';
  /** The environment (its branch or pull request: which hostnames are its own). */
  environment: Environment;
  /** ria.yaml's routing: the domain generated hostnames are under, the Gateway routes attach to, the IngressClass and issuer. */
  cluster: Pick<ClusterSettings, 'domain' | 'gateway' | 'ingressClass'> & { issuer?: { kind: string; name: string } };
}

/**
 * The one policy: what a Riofile may ask for is decided by the config repository, never by the
 * app repository (otherwise a pull request could grant itself rights). Runs after parsing and
 * before render; every refusal is located in the Riofile and names the config key that would
 * allow it. The engine (reconcile) and the CLI call exactly this function.
 */
export function checkPolicy(input: PolicyInput): RiofileError | undefined {
  const findings = policyFindings(input);
  if (findings.length === 0) return undefined;
  const locate = createLocator(input.source, input.riofile.format);
  const issues: RiofileIssue[] = findings.map((f) => {
    const { line, column } = locate(f.path);
    return { file: input.file, line, column, path: formatPath(f.path), message: f.message, kind: RiofileErrorCode.Policy };
  });
  return new RiofileError(issues);
}

/** The refusals, unlocated (pure; what the tests of each rule look at). */
export function policyFindings(input: PolicyInput): Finding[] {
  const { riofile, app } = input;
  const allow = allowOf(input.spec);
  const out: Finding[] = [];
  for (const [key, service] of Object.entries(riofile.services)) {
    out.push(...permissionFindings(app, key, service, allow));
    out.push(...serviceHostAccess(app, key, service, allow));
    out.push(...buildFindings(app, input.spec.repo, key, service));
  }
  out.push(...externalServiceFindings(app, riofile, allow));
  out.push(...manifestFindings(app, riofile, input.namespace, allow, routeScope(input)));
  if (input.kind === 'pr') out.push(...previewSecretFindings(app, riofile, previewConfig(input.spec).secretsFrom));
  return out;
}

function routeScope(input: PolicyInput): RouteScope {
  const { environment, cluster, spec } = input;
  const g = cluster.gateway;
  return {
    app: input.app, environment, namespace: input.namespace, domain: cluster.domain,
    ...(g ? { gateway: { namespace: g.namespace, name: g.name, ...(g.sectionName ? { sectionName: g.sectionName } : {}) } } : {}),
    customDomains: (spec.domains ?? []).map((d) => d.toLowerCase()),
    production: environment.kind === 'branch' && input.kind === 'branch' && isProductionBranch(spec, environment.branch),
    ...(cluster.issuer ? { issuer: cluster.issuer } : {}),
    ...(cluster.ingressClass ? { ingressClass: cluster.ingressClass } : {}),
  };
}

function permissionFindings(app: string, key: string, service: Riofile['services'][string], allow: Allow): Finding[] {
  const out: Finding[] = [];
  if (service.permissions.length && !allow.permissions) {
    out.push({ path: ['services', key, 'permissions'], message: `service "${key}" asks for permissions, which app "${app}" is not allowed: ${howToAllow(app, 'permissions')}` });
  }
  if (service.globalPermissions.length && !allow.globalPermissions) {
    out.push({ path: ['services', key, 'globalPermissions'], message: `service "${key}" asks for globalPermissions (cluster-wide rights), which app "${app}" is not allowed: ${howToAllow(app, 'globalPermissions')}` });
  }
  for (const field of ['permissions', 'globalPermissions'] as const) {
    service[field].forEach((p, i) => {
      if (p.role !== undefined && !allow.clusterRoles.includes(p.role)) {
        out.push({ path: ['services', key, field, i], message: `service "${key}" binds the ClusterRole ${p.role}, which app "${app}" is not allowed: ${howToAllow(app, 'clusterRoles', p.role)}` });
      }
    });
  }
  return out;
}

/** `services.web.ports[1]`, `kubernetes.manifest[0].spec.template.spec.hostNetwork`. */
function formatPath(path: ReadonlyArray<string | number>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
