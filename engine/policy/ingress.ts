import type { KubernetesObject } from '../riofile/model.js';
import { CERT_MANAGER_ALLOWED_ANNOTATIONS, CERT_MANAGER_INGRESS_ANNOTATIONS as CM, LEGACY_INGRESS_CLASS_ANNOTATION, refusedCertManagerAnnotation } from '../install/route-admission.js';
import type { Finding } from './finding.js';
import type { RouteScope } from './routes.js';

type Path = readonly (string | number)[];

/**
 * An Ingress of `kubernetes:` manifests picks its ingress controller (spec.ingressClassName, the
 * legacy kubernetes.io/ingress.class annotation) and, through cert-manager's annotations, the
 * issuer cert-manager itself asks a certificate from (and, through its other annotations, what
 * that certificate says: only those tuning its lifetime and key pass): both are the config repository's to choose
 * (ria.yaml `ingressClass`, `certificates`). The API server's admission policy refuses the same
 * (install/route-admission.ts, which stays the enforcement); checked here too so that the refusal
 * is a PolicyDenied located on the Riofile line, before anything is applied, not an apply refusal.
 * Two differences, where this check can see more: with `ingressClass` in ria.yaml an Ingress must
 * name it (the API server would judge a class-less one by the cluster's default class, which may
 * be another, or change later); without it, an Ingress must name none (the API server cannot tell
 * a class written from the default it gave, and lets any through).
 */
export function ingressFindings(m: KubernetesObject, what: string, at: Path, scope: RouteScope): Finding[] {
  const spec = (m.spec ?? {}) as { ingressClassName?: unknown };
  const annotations = (m.metadata?.annotations ?? {}) as Record<string, unknown>;
  const annotationAt = (key: string) => [...at, 'metadata', 'annotations', key];
  const has = (key: string) => Object.prototype.hasOwnProperty.call(annotations, key);
  const out: Finding[] = [];

  const wanted = scope.ingressClass;
  const legacy = has(LEGACY_INGRESS_CLASS_ANNOTATION) ? String(annotations[LEGACY_INGRESS_CLASS_ANNOTATION]) : undefined;
  if (wanted) {
    const allowed = `the config repository allows ${wanted} only (ria.yaml "ingressClass")`;
    if (spec.ingressClassName === undefined) {
      out.push({ path: [...at, 'spec'], message: `${what} names no IngressClass, so it would get the cluster's default class; ${allowed}: set spec.ingressClassName: ${wanted}` });
    } else if (spec.ingressClassName !== wanted) {
      out.push({ path: [...at, 'spec', 'ingressClassName'], message: `${what}: IngressClass ${String(spec.ingressClassName)} is not the one ${allowed}` });
    }
    if (legacy !== undefined && legacy !== wanted) {
      out.push({ path: annotationAt(LEGACY_INGRESS_CLASS_ANNOTATION), message: `${what}: the annotation ${LEGACY_INGRESS_CLASS_ANNOTATION}: ${legacy} picks another ingress controller; ${allowed}: remove it and set spec.ingressClassName` });
    }
  } else if (spec.ingressClassName !== undefined) {
    // ria.yaml names no class: Ria's Ingresses get the cluster's default. The API server cannot
    // tell a class the manifest wrote from the default it gave (SECURITY.md, Known limits); this
    // check, which sees the manifest as written, refuses a manifest's own pick of controller.
    out.push({ path: [...at, 'spec', 'ingressClassName'], message: `${what}: IngressClass ${String(spec.ingressClassName)} picks an ingress controller the config repository did not (ria.yaml names no "ingressClass": the cluster's default class); remove spec.ingressClassName, or name the class in ria.yaml "ingressClass"` });
  }
  if (!wanted && legacy !== undefined) {
    out.push({ path: annotationAt(LEGACY_INGRESS_CLASS_ANNOTATION), message: `${what}: the annotation ${LEGACY_INGRESS_CLASS_ANNOTATION}: ${legacy} picks an ingress controller the config repository did not (ria.yaml names no "ingressClass": the cluster's default class); remove it` });
  }

  out.push(...certManagerAnnotationFindings(m, what, at, scope));
  return out;
}

/**
 * The cert-manager annotations of an Ingress or a Gateway (cert-manager's ingress-shim and
 * gateway-shim write a Certificate from them, as cert-manager): ria.yaml's issuer only, and no
 * key beyond those that tune the certificate's lifetime and key. The common name is held with the
 * hostnames (routes.ts).
 */
export function certManagerAnnotationFindings(m: KubernetesObject, what: string, at: Path, scope: RouteScope): Finding[] {
  const annotations = (m.metadata?.annotations ?? {}) as Record<string, unknown>;
  const annotationAt = (key: string) => [...at, 'metadata', 'annotations', key];
  const has = (key: string) => Object.prototype.hasOwnProperty.call(annotations, key);
  const out: Finding[] = [];
  const issuer = scope.issuer ? `${scope.issuer.kind}/${scope.issuer.name}` : undefined;
  const annotate = scope.issuer && `${scope.issuer.kind === 'ClusterIssuer' ? CM.clusterIssuer : CM.issuer}: ${scope.issuer.name}${scope.issuer.kind === 'ClusterIssuer' || scope.issuer.kind === 'Issuer' ? '' : ` with ${CM.issuerKind}: ${scope.issuer.kind}`}`;
  const said = issuer ? `the config repository allows ${issuer} (ria.yaml "certificates"; annotate ${annotate})` : 'ria.yaml names no "certificates" issuer';
  const refuse = (key: string, why: string) => out.push({ path: annotationAt(key), message: `${what}: the annotation ${key}: ${String(annotations[key])} ${why}; ${said}` });
  if (has(CM.clusterIssuer) && `ClusterIssuer/${String(annotations[CM.clusterIssuer])}` !== issuer) {
    refuse(CM.clusterIssuer, `asks cert-manager for a certificate from ClusterIssuer/${String(annotations[CM.clusterIssuer])}, which the config repository did not give this environment`);
  }
  if (has(CM.issuer)) {
    const kind = has(CM.issuerKind) ? String(annotations[CM.issuerKind]) : 'Issuer';
    if (`${kind}/${String(annotations[CM.issuer])}` !== issuer) {
      refuse(CM.issuer, `asks cert-manager for a certificate from ${kind}/${String(annotations[CM.issuer])}, which the config repository did not give this environment`);
    }
  }
  if (has(CM.issuerGroup) && annotations[CM.issuerGroup] !== 'cert-manager.io') {
    refuse(CM.issuerGroup, 'names an issuer of another group than cert-manager.io, which is never the config repository\'s');
  }
  if (has(CM.tlsAcme)) refuse(CM.tlsAcme, 'asks cert-manager for a certificate from its default issuer, which the config repository does not name');
  // Other cert-manager keys shape the certificate cert-manager writes as itself (e-mail, IP, URI
  // SANs, subject, client usages) or its HTTP-01 solver (another class, this Ingress edited):
  // only those that tune its lifetime and key are let through, as by the API server.
  for (const key of Object.keys(annotations).filter(refusedCertManagerAnnotation)) {
    out.push({ path: annotationAt(key), message: `${what}: the annotation ${key} would shape the certificate cert-manager writes for it beyond the hostnames and issuer the config repository gives this environment; cert-manager annotations allowed: ${CERT_MANAGER_ALLOWED_ANNOTATIONS.join(', ')}` });
  }
  return out;
}
