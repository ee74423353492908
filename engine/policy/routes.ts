import type { KubernetesObject } from '../riofile/model.js';
import type { Environment } from '../render/types.js';
import { endpointHost, SEPARATOR } from '../render/names.js';
import { howToAllow, type Allow } from './allow.js';
import type { Finding } from './finding.js';
import { certManagerAnnotationFindings, ingressFindings } from './ingress.js';
import { CERT_MANAGER_COMMON_NAME_ANNOTATION, GUARDED_ROUTE_RESOURCES, ISSUANCE_KINDS, SERVER_USAGES } from '../install/route-admission.js';

/** What the config says about routing for one environment: ria.yaml's domain and Gateway, the app's custom domains. */
export interface RouteScope {
  app: string;
  environment: Environment;
  /** The environment's namespace. */
  namespace: string;
  /** ria.yaml `domain`: generated hostnames are one label under it. */
  domain: string;
  /** ria.yaml `gateway`: the only Gateway routes attach to. */
  gateway?: { namespace: string; name: string; sectionName?: string };
  /** apps/<app>.yaml `domains`: custom hostnames, for the production environment only. */
  customDomains: readonly string[];
  /** Whether this environment is the app's production one (productionBranch). */
  production: boolean;
  /** ria.yaml `certificates`: the only issuer a manifest's Certificate (or an Ingress's cert-manager annotations) may name. */
  issuer?: { kind: string; name: string };
  /** ria.yaml `ingressClass`: the only IngressClass a manifest's Ingress may name. */
  ingressClass?: string;
}

const CERT_MANAGER_GROUP = 'cert-manager.io';

export function isCertificate(m: KubernetesObject): boolean {
  return m.kind === 'Certificate' && m.apiVersion.split('/')[0] === CERT_MANAGER_GROUP;
}

/** A cert-manager CertificateRequest, ACME Order or Challenge: cert-manager's own, refused in manifests as by the API server. */
export function isIssuanceRequest(m: KubernetesObject): boolean {
  const group = m.apiVersion.split('/')[0];
  return GUARDED_ROUTE_RESOURCES.some((r) => r.group === group && r.kind === m.kind && (ISSUANCE_KINDS as readonly string[]).includes(r.kind));
}

/**
 * A cert-manager Certificate of `kubernetes:` manifests: with an HTTP-01 solver on the shared
 * gateway, a Certificate for another app's hostname would be issued (the gateway serves it), so
 * it is held to the rules of routes: `allow.routes`, names that are the environment's own (or the
 * app's custom domains, production only), and ria.yaml's issuer only.
 */
export function certificateFindings(m: KubernetesObject, what: string, at: Path, allow: Allow, scope: RouteScope): Finding[] {
  if (!allow.routes) return [{ path: [...at, 'kind'], message: `${what} asks for a certificate of hostnames on the shared gateway, which app "${scope.app}" is not allowed: ${howToAllow(scope.app, 'routes')}` }];
  const spec = (m.spec ?? {}) as Record<string, any>;
  const out: Finding[] = [];
  const own = ownLabel(scope);
  const names: [unknown, (string | number)[]][] = (Array.isArray(spec.dnsNames) ? spec.dnsNames : []).map((h: unknown, i: number) => [h, ['spec', 'dnsNames', i]]);
  if (spec.commonName !== undefined) names.push([spec.commonName, ['spec', 'commonName']]);
  for (const key of ['ipAddresses', 'uris', 'emailAddresses', 'otherNames'] as const) {
    if (Array.isArray(spec[key]) && spec[key].length > 0) out.push({ path: [...at, 'spec', key], message: `${what}: ${key} are not hostnames of the environment; a Certificate may name hostnames only` });
  }
  // A subject written whole (its CN included) escapes the commonName check; a CA certificate
  // from the config's issuer (a CA or Vault ClusterIssuer) would sign any hostname at all.
  if (spec.literalSubject !== undefined) out.push({ path: [...at, 'spec', 'literalSubject'], message: `${what}: literalSubject names a subject (its CN included) no hostname check sees; a Certificate may name hostnames of the environment only (dnsNames, commonName)` });
  if (spec.isCA === true) out.push({ path: [...at, 'spec', 'isCA'], message: `${what}: isCA asks the config's issuer for a CA certificate, which could sign any hostname; a Certificate may name hostnames of the environment only` });
  // Organisations, units and the like name an identity (for mTLS that maps them to a user); only commonName, a hostname, is checked.
  if (spec.subject !== undefined) out.push({ path: [...at, 'spec', 'subject'], message: `${what}: subject names an identity (organizations, units...) no hostname check sees; a Certificate may name hostnames of the environment only (dnsNames, commonName)` });
  if (Array.isArray(spec.usages)) {
    spec.usages.forEach((u: unknown, i: number) => {
      if (!(SERVER_USAGES as readonly unknown[]).includes(u)) out.push({ path: [...at, 'spec', 'usages', i], message: `${what}: usage ${JSON.stringify(u)} is not a server's (${SERVER_USAGES.join(', ')}): a Certificate serves hostnames of the environment, it is not a client or signing certificate` });
    });
  }
  for (const [host, path] of names) {
    const refusal = hostRefusal(host, scope, own);
    if (refusal) out.push({ path: [...at, ...path], message: `${what}: ${refusal}` });
  }
  const ref = (spec.issuerRef ?? {}) as { kind?: unknown; name?: unknown; group?: unknown };
  const i = scope.issuer;
  if (!i || ref.name !== i.name || (ref.kind ?? 'Issuer') !== i.kind || (ref.group !== undefined && ref.group !== CERT_MANAGER_GROUP)) {
    out.push({ path: [...at, 'spec', 'issuerRef'], message: `${what}: issuer ${String(ref.kind ?? 'Issuer')}/${String(ref.name ?? '')} is not ${i ? `the one ria.yaml names (certificates: ${i.kind}/${i.name})` : 'allowed: ria.yaml names no certificates issuer ("certificates")'}` });
  }
  return out;
}


const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Objects that claim hostnames on the shared Gateway (or an ingress controller): traffic of other apps. */
export const ROUTE_KINDS = new Set(['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute', 'Gateway'].map((k) => `${GATEWAY_GROUP}/${k}`).concat('networking.k8s.io/Ingress'));

export function isRouteKind(m: KubernetesObject): boolean {
  return ROUTE_KINDS.has(`${m.apiVersion.split('/')[0]}/${m.kind}`);
}

type Path = readonly (string | number)[];

/**
 * Route objects of `kubernetes:` manifests. Refused unless `allow.routes`. Allowed, a route may
 * claim only hostnames that are this environment's own (`NAME--<app>--<env>.<domain>`, as Ria's
 * endpoints are, under ria.yaml's domain) or, in the production environment, one of the app's
 * `domains`; no wildcard unless the config lists it; a route without hostnames (it would match
 * every hostname, or every connection of a TCP/UDP listener) is refused. It may attach only to
 * the Gateway ria.yaml names (and its sectionName), to a Gateway of the same manifests in the
 * environment's namespace, or to a Service there (a mesh). An Ingress names ria.yaml's
 * IngressClass and issuer only (ingress.ts). Each refusal names the config key that would allow
 * it. `manifests`: the environment's other manifests (Gateways defined there).
 */
export function routeFindings(m: KubernetesObject, what: string, at: Path, allow: Allow, scope: RouteScope, manifests: readonly KubernetesObject[]): Finding[] {
  if (!allow.routes) return [{ path: [...at, 'kind'], message: `${what} claims hostnames on the shared gateway, which app "${scope.app}" is not allowed: ${howToAllow(scope.app, 'routes')}` }];
  const spec = (m.spec ?? {}) as Record<string, any>;
  const out: Finding[] = [];
  const hosts: [unknown, (string | number)[]][] = [];
  const own = ownLabel(scope);
  const hint = `list the environment's own (NAME--${own}.${scope.domain}) or a custom domain of apps/${scope.app}.yaml "domains"`;
  if (m.kind === 'Ingress') {
    if (spec.defaultBackend !== undefined) out.push({ path: [...at, 'spec', 'defaultBackend'], message: `${what} has a defaultBackend, which would take every hostname of the ingress controller; give each rule a host instead` });
    (Array.isArray(spec.rules) ? spec.rules : []).forEach((r: any, i: number) => {
      if (r?.host === undefined) out.push({ path: [...at, 'spec', 'rules', i], message: `${what}: rule ${i} has no host, so it would match every hostname of the ingress controller; ${hint}` });
      else hosts.push([r.host, ['spec', 'rules', i, 'host']]);
    });
    (Array.isArray(spec.tls) ? spec.tls : []).forEach((t: any, i: number) => (Array.isArray(t?.hosts) ? t.hosts : []).forEach((h: unknown, j: number) => hosts.push([h, ['spec', 'tls', i, 'hosts', j]])));
    out.push(...ingressFindings(m, what, at, scope));
    // cert-manager's ingress-shim writes a Certificate from these, as itself (no check of the
    // environment's sees it): the subject's CN is held like a Certificate's (other keys: ingress.ts).
    const annotations = (m.metadata?.annotations ?? {}) as Record<string, unknown>;
    if (annotations[CERT_MANAGER_COMMON_NAME_ANNOTATION] !== undefined) hosts.push([annotations[CERT_MANAGER_COMMON_NAME_ANNOTATION], ['metadata', 'annotations', CERT_MANAGER_COMMON_NAME_ANNOTATION]]);
  } else if (m.kind === 'Gateway') {
    (Array.isArray(spec.listeners) ? spec.listeners : []).forEach((l: any, i: number) => {
      if (l?.hostname === undefined) out.push({ path: [...at, 'spec', 'listeners', i], message: `${what}: listener ${i} has no hostname, so it would accept every hostname; ${hint}` });
      else hosts.push([l.hostname, ['spec', 'listeners', i, 'hostname']]);
    });
    // cert-manager's gateway-shim reads the same annotations as its ingress-shim.
    out.push(...certManagerAnnotationFindings(m, what, at, scope));
    const annotations = (m.metadata?.annotations ?? {}) as Record<string, unknown>;
    if (annotations[CERT_MANAGER_COMMON_NAME_ANNOTATION] !== undefined) hosts.push([annotations[CERT_MANAGER_COMMON_NAME_ANNOTATION], ['metadata', 'annotations', CERT_MANAGER_COMMON_NAME_ANNOTATION]]);
  } else {
    const list = Array.isArray(spec.hostnames) ? spec.hostnames : [];
    if (list.length === 0) {
      const every = m.kind === 'TCPRoute' || m.kind === 'UDPRoute' ? 'every connection of the listener it attaches to (it has no hostnames)' : 'every hostname of the gateway';
      out.push({ path: [...at, 'spec', 'hostnames'], message: `${what} has no hostnames, so it would match ${every}; ${hint}` });
    }
    list.forEach((h: unknown, i: number) => hosts.push([h, ['spec', 'hostnames', i]]));
    (Array.isArray(spec.parentRefs) ? spec.parentRefs : []).forEach((p: unknown, i: number) => {
      const refusal = parentRefusal(p, scope, manifests);
      if (refusal) out.push({ path: [...at, 'spec', 'parentRefs', i], message: `${what}: ${refusal}` });
    });
  }
  for (const [host, path] of hosts) {
    const refusal = hostRefusal(host, scope, own);
    if (refusal) out.push({ path: [...at, ...path], message: `${what}: ${refusal}` });
  }
  return out;
}

/** The environment's own label under the domain: `<app>--<env>` as names.ts builds it. */
function ownLabel(scope: RouteScope): string {
  const host = endpointHost([], scope.environment, scope.domain);
  return host.slice(0, host.length - scope.domain.length - 1);
}

/**
 * Whether `host` is one Ria would give this environment: `<own>` or `<part>--<own>` under the
 * domain, exactly as names.ts builds it (so `x-shop--main` is app x-shop's, never shop's).
 */
export function isOwnHost(host: string, scope: RouteScope, own = ownLabel(scope)): boolean {
  const suffix = `.${scope.domain}`;
  if (!host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(label) || label.length > 63) return false;
  if (label === own) return true;
  if (!label.endsWith(`${SEPARATOR}${own}`)) return false;
  return endpointHost([label.slice(0, label.length - own.length - SEPARATOR.length)], scope.environment, scope.domain) === host;
}

function hostRefusal(host: unknown, scope: RouteScope, own: string): string | undefined {
  if (typeof host !== 'string') return `hostname ${JSON.stringify(host)} is not a hostname`;
  const name = host.toLowerCase();
  if (scope.customDomains.includes(name)) {
    if (scope.production) return undefined;
    const where = scope.environment.kind === 'pr' ? `pull request #${scope.environment.pr}` : `branch ${scope.environment.branch}`;
    return `hostname "${host}" is a custom domain of app "${scope.app}" (apps/${scope.app}.yaml "domains"), served only by its production environment ("productionBranch"), not by ${where}`;
  }
  if (isOwnHost(name, scope, own)) return undefined;
  const why = name.includes('*') ? 'a wildcard' : name.endsWith(`.${scope.domain}`) ? 'another environment\'s or not one Ria would give this one' : `not under the domain ${scope.domain} (ria.yaml "domain")`;
  return `hostname "${host}" is ${why}; use NAME--${own}.${scope.domain}, or add it to "domains" in apps/${scope.app}.yaml of the config repository (production environment only)`;
}

/** Why a parentRef is not allowed, or undefined when it is the config's Gateway, a Gateway of the same manifests, or a Service of the environment. */
function parentRefusal(ref: unknown, scope: RouteScope, manifests: readonly KubernetesObject[]): string | undefined {
  const p = (ref ?? {}) as { group?: unknown; kind?: unknown; namespace?: unknown; name?: unknown; sectionName?: unknown };
  const group = p.group ?? GATEWAY_GROUP;
  const kind = p.kind ?? 'Gateway';
  const namespace = typeof p.namespace === 'string' ? p.namespace : scope.namespace;
  const name = String(p.name ?? '');
  if ((group === '' || group === 'core') && kind === 'Service') {
    return namespace === scope.namespace ? undefined : `parentRef Service ${namespace}/${name} is outside the environment's namespace ${scope.namespace}; a route may attach to a Service of its own namespace only`;
  }
  const g = scope.gateway;
  const configured = g ? `the Gateway ria.yaml names (gateway: ${g.namespace}/${g.name}${g.sectionName ? `, sectionName ${g.sectionName}` : ''})` : 'a Gateway: ria.yaml names none ("gateway")';
  if (group === GATEWAY_GROUP && kind === 'Gateway') {
    if (g && namespace === g.namespace && name === g.name) {
      if (!g.sectionName || p.sectionName === g.sectionName) return undefined;
      return `parentRef ${namespace}/${name}${p.sectionName ? ` sectionName ${String(p.sectionName)}` : ' without sectionName'} attaches to listeners other than the one ria.yaml names (gateway.sectionName: ${g.sectionName})`;
    }
    if (namespace === scope.namespace && manifests.some((m) => m.kind === 'Gateway' && m.apiVersion.startsWith(`${GATEWAY_GROUP}/`) && m.metadata?.name === name)) return undefined;
  }
  return `parentRef ${String(kind)} ${namespace}/${name} is not ${configured}; routes attach only to it, to a Gateway of these manifests, or to a Service of the environment (a mesh); the config repository's ria.yaml "gateway" decides`;
}
