import type { RenderContext } from './context.js';
import { createContext, warn } from './context.js';
import type { KubeObject, RenderInput, RenderResult } from './types.js';
import { renderNamespace } from './namespace.js';
import { renderConfigMaps } from './configmap.js';
import { renderRbac } from './rbac.js';
import { renderClaims } from './volumes.js';
import { renderWorkload } from './deployment.js';
import { renderServices } from './service.js';
import { renderExternalService } from './external-service.js';
import { appEndpoints, endpointUrl } from './endpoints.js';
import { endpointRoute, routerHost, routerRoutes } from './httproute.js';
import { endpointIngress, routerIngress } from './ingress.js';
import { renderHpa } from './hpa.js';
import { renderBuildJobs } from './build-job.js';
import { renderManifests } from './manifests.js';
import { renderCertificates } from './certificate.js';
import { withRouteScope } from './route-scope.js';
import { namespaceFrame } from './frame.js';
import { assertUnique, objectKey, orderObjects } from './order.js';
import { RenderError, RenderErrorCode } from './errors.js';
import { containerImage } from './images.js';
import { LabelKeys } from './labels.js';
import { labelValue } from './names.js';
import type { RenderedVersion } from './types.js';

/**
 * (Riofile, environment, cluster settings) -> the environment's Kubernetes objects and the build
 * Jobs they need. Pure and deterministic: no I/O, no clock, no randomness; the same input gives
 * byte-identical output. Throws RenderError when the input cannot be rendered at all; anything
 * the objects cannot express is a warning in the result, never silently dropped.
 */
export function render(input: RenderInput): RenderResult {
  const ctx = createContext(input);
  const generated: KubeObject[] = [renderNamespace(ctx), ...renderConfigMaps(ctx)];
  const urls: Record<string, string[]> = {};
  const images: Record<string, string> = {};
  const addUrl = (key: string, url: string) => { (urls[key] ??= []).includes(url) || urls[key]!.push(url); };

  // A version per commit is reported under its Riofile service's name.
  const riofileKey = (key: string) => ctx.versionSources.get(key)?.key ?? key;
  const versionUrls: Record<string, string> = {};
  for (const [key, service] of Object.entries(ctx.services)) {
    generated.push(...renderRbac(ctx, key, service), ...renderClaims(ctx, key, service), renderWorkload(ctx, key, service));
    const hpa = renderHpa(ctx, key, service);
    if (hpa) generated.push(hpa);
    images[riofileKey(key)] = containerImage(ctx, key, service) ?? '';
    for (const c of service.containers) images[`${riofileKey(key)}/${c.name}`] = containerImage(ctx, key, c, c.name) ?? '';
    if (ctx.versionSources.has(key) && service.volumeTemplates.length > 0) {
      warn(ctx, 'VersionedVolumes', `services.${riofileKey(key)}.volumeTemplates`, 'every version of a versioned service (template/rollout) gets its own volumes; data is not shared between versions');
    }
  }
  for (const group of ctx.apps) generated.push(...renderServices(ctx, group));
  for (const [name, ext] of Object.entries(ctx.riofile.externalServices)) generated.push(...renderExternalService(ctx, name, ext));

  const useGateway = ctx.cluster.gateway !== undefined;
  const hosts = new HostOwners();
  for (const e of appEndpoints(ctx)) {
    hosts.claim(e.host, e.path);
    generated.push(useGateway ? endpointRoute(ctx, e) : endpointIngress(ctx, e));
    for (const key of e.services) addUrl(riofileKey(key), endpointUrl(ctx, e.host));
    if (e.versionOf !== undefined) versionUrls[e.versionOf] ??= endpointUrl(ctx, e.host);
  }
  for (const [name, router] of Object.entries(ctx.riofile.routers)) {
    const objects = useGateway ? routerRoutes(ctx, name, router) : routerIngress(ctx, name, router);
    if (!router.internal) hosts.claim(routerHost(ctx, name), `routers.${name}`);
    generated.push(...objects);
    if (!router.internal && objects.length > 0) addUrl(name, endpointUrl(ctx, routerHost(ctx, name)));
  }

  generated.push(...renderCertificates(ctx));

  assertUnique(generated);
  const manifests = renderManifests(ctx);
  assertUnique(manifests);
  // The hostnames and Gateway the config allows, and the node access, on the Namespace, for the
  // API server's admission policies (frame.ts: the engine writes the same alone when a commit is refused).
  const scoped = withRouteScope(ctx, [...withoutOverridden(ctx, generated, manifests), ...manifests], namespaceFrame(ctx, hosts.hosts()).annotations);
  const objects = orderObjects(scoped);
  const buildJobs = renderBuildJobs(ctx);
  assertUnique(buildJobs);
  return { objects, buildJobs, warnings: ctx.warnings, urls: sortedUrls(urls), images, versions: renderedVersions(ctx, objects, versionUrls) };
}

/** Per versioned service: the version rendered now, its URL, and its objects (found by their service label). */
function renderedVersions(ctx: RenderContext, objects: KubeObject[], urls: Record<string, string>): Record<string, RenderedVersion> {
  const out: Record<string, RenderedVersion> = {};
  for (const [versionKey, source] of ctx.versionSources) {
    const label = labelValue(versionKey);
    out[source.key] = {
      version: source.version,
      ...(urls[source.key] ? { url: urls[source.key] } : {}),
      objects: objects.filter((o) => o.metadata.labels?.[LabelKeys.service] === label)
        .map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name })),
    };
  }
  return out;
}

/**
 * A manifest object with the identity of a generated one replaces it: the user wrote it
 * explicitly (Rio applied manifests after its own objects, so they won there too).
 */
function withoutOverridden(ctx: RenderContext, generated: KubeObject[], manifests: KubeObject[]): KubeObject[] {
  const manifestKeys = new Set(manifests.map(objectKey));
  return generated.filter((o) => {
    if (!manifestKeys.has(objectKey(o))) return true;
    warn(ctx, 'ManifestOverridesObject', 'kubernetes.manifest', `the manifest's ${o.kind} ${o.metadata.name} replaces the one Ria would render`);
    return false;
  });
}

function sortedUrls(urls: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(urls).sort()) out[key] = urls[key]!;
  return out;
}

/**
 * One endpoint per hostname: two would be two routes for one host (the gateway picks one, or
 * merges them). Names are built so that this cannot happen between environments (names.ts); inside
 * one Riofile it can (app `web` + port `a-B` and app `web-a` + port `B` both join to `web-a-B`),
 * and it is refused here, naming both.
 */
class HostOwners {
  private readonly owners = new Map<string, string>();
  claim(host: string, path: string): void {
    const owner = this.owners.get(host);
    if (owner !== undefined && owner !== path) {
      throw new RenderError(RenderErrorCode.Conflict, `${owner} and ${path} would both be served at ${host}: rename an app, version, port or router`, { host });
    }
    this.owners.set(host, path);
  }

  hosts(): IterableIterator<string> {
    return this.owners.keys();
  }
}
