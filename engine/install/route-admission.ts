/**
 * The checks of Ria's route admission policy (admission-policy.ts routeAdmissionPolicy), which
 * bounds what routes are written in an environment's namespace, so that the API server, not only
 * Ria's checks (policy/routes.ts), keeps an app inside the hostnames and the Gateway the config
 * repository gave it. An HTTPRoute (or another Gateway API route), Ingress, Gateway or
 * cert-manager Certificate written there, by the environment's identity (the one that applies
 * what a Riofile renders, its `kubernetes:` manifests included) or by anyone else but
 * system:masters and cert-manager (an app's pods given rights by its `permissions`), may only:
 *
 * - claim hostnames `<label>.<domain>` or `<part>--<label>.<domain>` (the environment's own, as
 *   names.ts builds them) or one listed for it (custom domains of the production environment,
 *   endpoint names shortened with a hash); a route on a Gateway must name hostnames;
 * - attach to the Gateway ria.yaml names (and its sectionName when it names one), or to a
 *   Service of its own namespace (a mesh);
 * - an Ingress has no defaultBackend and a host on every rule;
 * - a Certificate names ria.yaml's `certificates` issuer (kind and name) and no other, and is a
 *   server certificate: no CA, no subject but its commonName (a hostname), no other names, server
 *   usages only; an Ingress's cert-manager annotations, which make cert-manager issue one as itself,
 *   the same: the config's issuer, a common name of the environment's, and no other cert-manager key
 *   than those that tune the certificate's lifetime and key (CERT_MANAGER_ALLOWED_ANNOTATIONS);
 * - an Ingress names ria.yaml's `ingressClass` (see ingressClassOk for a config without one);
 * - a Gateway's listeners name hostnames of the environment, and its cert-manager annotations
 *   (cert-manager's gateway-shim) are held like an Ingress's;
 * - no CertificateRequest, ACME Order or Challenge: cert-manager's to write (ISSUANCE_KINDS);
 * - a write of an Ingress's status (`ingresses/status`, whose strategy keeps metadata writable)
 *   changes no label or annotation, and is held to nothing else: the ingress controller writes
 *   `status.loadBalancer` from another namespace, and must pass on an Ingress admitted under a
 *   wider scope too (review10 F2).
 *
 * The allowed values come from annotations of the environment's Namespace (render/route-scope.ts),
 * which the engine writes from the config and no one else may change (admission-policy.ts
 * namespaceAdmissionPolicy). Missing annotations
 * allow no hostname and no Gateway: a namespace the engine has not written yet refuses routes.
 */
import { RouteScopeAnnotations as A } from '../render/route-scope.js';

/** Resources of route kinds an environment can write (its role: install/rbac.ts ENVIRONMENT_RESOURCES). */
export const ROUTE_RESOURCES = [
  { group: 'gateway.networking.k8s.io', resource: 'httproutes', kind: 'HTTPRoute' },
  { group: 'networking.k8s.io', resource: 'ingresses', kind: 'Ingress' },
  { group: 'cert-manager.io', resource: 'certificates', kind: 'Certificate' },
] as const;

const annotation = (key: string) =>
  `namespaceObject != null && has(namespaceObject.metadata.annotations) && '${key}' in namespaceObject.metadata.annotations ? namespaceObject.metadata.annotations['${key}'] : ''`;

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** Gateway API routes: hostnames and parentRefs, held like an HTTPRoute (TCPRoute and UDPRoute have no hostnames: a mesh parent only). */
export const GATEWAY_ROUTE_KINDS = ['HTTPRoute', 'GRPCRoute', 'TLSRoute', 'TCPRoute', 'UDPRoute'] as const;
/**
 * cert-manager's issuance requests: a CertificateRequest carries its CSR (any name, DER in base64,
 * which no CEL can read) and an ACME Order or Challenge is cert-manager's own step; the issuer
 * signs or solves what they say. Only cert-manager writes them (from Certificates, which the
 * policy holds): anyone else is refused.
 */
export const ISSUANCE_KINDS = ['CertificateRequest', 'Order', 'Challenge'] as const;
/**
 * Every resource the route policy guards in an environment's namespace, whoever writes it (not
 * only the environment's identity: an app allowed `permissions` can give its own pods these rights).
 */
export const GUARDED_ROUTE_RESOURCES = [
  ...ROUTE_RESOURCES,
  { group: GATEWAY_GROUP, resource: 'grpcroutes', kind: 'GRPCRoute' },
  { group: GATEWAY_GROUP, resource: 'tlsroutes', kind: 'TLSRoute' },
  { group: GATEWAY_GROUP, resource: 'tcproutes', kind: 'TCPRoute' },
  { group: GATEWAY_GROUP, resource: 'udproutes', kind: 'UDPRoute' },
  { group: GATEWAY_GROUP, resource: 'gateways', kind: 'Gateway' },
  { group: 'cert-manager.io', resource: 'certificaterequests', kind: 'CertificateRequest' },
  { group: 'acme.cert-manager.io', resource: 'orders', kind: 'Order' },
  { group: 'acme.cert-manager.io', resource: 'challenges', kind: 'Challenge' },
] as const;

/**
 * Status subresources the route policy matches (UPDATE): an Ingress's status strategy resets only
 * its spec, so a write of `ingresses/status` changes labels and annotations like the object's own
 * (review10 F2): cert-manager's annotations, the legacy class. The CRDs' status strategies keep the
 * whole object but its status, so the Gateway API's and cert-manager's kinds need none.
 */
export const GUARDED_ROUTE_STATUS = [{ group: 'networking.k8s.io', resource: 'ingresses/status' }] as const;

/** CEL: `field` (labels or annotations) has the same keys with the same values on the old and the new object, but for the key `except`. */
export function metadataUnchanged(field: 'labels' | 'annotations', except?: string): string {
  const o = `oldObject.metadata.${field}`;
  const n = `object.metadata.${field}`;
  const skip = except ? `k == '${except}' || ` : '';
  return `(!has(${o}) || ${o}.all(k, ${skip}(has(${n}) && k in ${n} && ${n}[k] == ${o}[k])))`
    + ` && (!has(${n}) || ${n}.all(k, ${skip}(has(${o}) && k in ${o})))`;
}

const kindOf = GUARDED_ROUTE_RESOURCES.reduceRight((rest, r) => `request.resource.group == '${r.group}' && request.resource.resource == '${r.resource}' ? '${r.kind}' : (${rest})`, `''`);

/** VAP `variables` (names start with `route`). */
export function routeVariables(): Array<{ name: string; expression: string }> {
  return [
    { name: 'routeKind', expression: kindOf },
    // A status write (ingresses/status): only its labels and annotations are held (see the first validation).
    { name: 'routeStatus', expression: `has(request.subResource) && request.subResource == 'status'` },
    { name: 'routeDomain', expression: annotation(A.domain) },
    { name: 'routeLabel', expression: annotation(A.label) },
    // Listed hostnames, between commas: `,a.example,b.example,` (a hostname has no comma).
    { name: 'routeListed', expression: `',' + (${annotation(A.hostnames)}) + ','` },
    { name: 'routeGateway', expression: annotation(A.gateway) },
    { name: 'routeIssuer', expression: annotation(A.issuer) },
    { name: 'routeIngressClass', expression: annotation(A.ingressClass) },
    { name: 'routeScopeValid', expression: `variables.routeDomain.matches('^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$') && variables.routeLabel.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')` },
    // The label is DNS characters only (checked above), the domain's dots are escaped.
    { name: 'routeOwnPattern', expression: `'^([a-z0-9]+(-[a-z0-9]+)*--)?' + variables.routeLabel + '\\\\.' + variables.routeDomain.replace('.', '\\\\.') + '$'` },
  ];
}

/** CEL: hostname `h` (a string expression) is one the environment may claim. */
function hostAllowed(h: string): string {
  return `(${h} != '' && (variables.routeListed.contains(',' + ${h} + ',') || (variables.routeScopeValid && ${h}.size() <= 64 + variables.routeDomain.size() && ${h}.matches(variables.routeOwnPattern))))`;
}

const meshParent = (p: string) =>
  `(has(${p}.kind) && ${p}.kind == 'Service' && (!has(${p}.group) || ${p}.group == '' || ${p}.group == 'core') && (!has(${p}.namespace) || ${p}.namespace == request.namespace))`;

/** CEL: parentRef `p` is the config's Gateway (any of its listeners unless ria.yaml names one) or a Service of the namespace. */
function parentAllowed(p: string): string {
  const ref = `(has(${p}.namespace) ? ${p}.namespace : request.namespace) + '/' + ${p}.name`;
  return `(${meshParent(p)} || ((!has(${p}.group) || ${p}.group == 'gateway.networking.k8s.io') && (!has(${p}.kind) || ${p}.kind == 'Gateway') && variables.routeGateway != '' && `
    + `(${ref} + (has(${p}.sectionName) ? '/' + ${p}.sectionName : '') == variables.routeGateway || (variables.routeGateway.matches('^[^/]+/[^/]+$') && ${ref} == variables.routeGateway))))`;
}

const hostnames = `(has(object.spec.hostnames) ? object.spec.hostnames : [])`;

/** CEL: the Ingress's annotation `key`, or '' (an Ingress may have no annotations). */
const ingressAnnotation = (key: string) =>
  `(has(object.metadata.annotations) && '${key}' in object.metadata.annotations ? object.metadata.annotations['${key}'] : '')`;
const hasIngressAnnotation = (key: string) => `(has(object.metadata.annotations) && '${key}' in object.metadata.annotations)`;

/** cert-manager's annotations that make it issue a Certificate for an Ingress's TLS hosts (its ingress-shim, as cert-manager's identity). */
export const CERT_MANAGER_INGRESS_ANNOTATIONS = {
  clusterIssuer: 'cert-manager.io/cluster-issuer',
  issuer: 'cert-manager.io/issuer',
  issuerKind: 'cert-manager.io/issuer-kind',
  issuerGroup: 'cert-manager.io/issuer-group',
  /** cert-manager's default issuer (its --default-issuer-* flags), which the config does not name. */
  tlsAcme: 'kubernetes.io/tls-acme',
} as const;
/** The annotation some ingress controllers read instead of (and before) spec.ingressClassName. */
export const LEGACY_INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** cert-manager's annotation for the subject common name of the Certificate it writes: held to the hostname rules. */
export const CERT_MANAGER_COMMON_NAME_ANNOTATION = 'cert-manager.io/common-name';
/**
 * cert-manager's annotations that only tune the Certificate it writes (lifetime, key, history).
 * Any other key under CERT_MANAGER_ANNOTATION_PREFIXES is refused: it would shape the certificate's
 * identity (e-mail, IP or URI SANs, subject, usages such as client auth) or the HTTP-01 solver
 * (another IngressClass, the Ingress edited in place), out of reach of the Certificate rules.
 */
export const CERT_MANAGER_TUNING_ANNOTATIONS = [
  'cert-manager.io/duration', 'cert-manager.io/renew-before', 'cert-manager.io/renew-before-percentage', 'cert-manager.io/revision-history-limit',
  'cert-manager.io/private-key-algorithm', 'cert-manager.io/private-key-encoding', 'cert-manager.io/private-key-size', 'cert-manager.io/private-key-rotation-policy',
] as const;
export const CERT_MANAGER_ANNOTATION_PREFIXES = ['cert-manager.io/', 'acme.cert-manager.io/'] as const;
/** The cert-manager keys an Ingress (or Gateway) may carry: the issuer (held to the config's), the common name (a hostname of the environment), tuning. */
export const CERT_MANAGER_ALLOWED_ANNOTATIONS: readonly string[] = [
  CERT_MANAGER_INGRESS_ANNOTATIONS.clusterIssuer, CERT_MANAGER_INGRESS_ANNOTATIONS.issuer, CERT_MANAGER_INGRESS_ANNOTATIONS.issuerKind,
  CERT_MANAGER_INGRESS_ANNOTATIONS.issuerGroup, CERT_MANAGER_COMMON_NAME_ANNOTATION, ...CERT_MANAGER_TUNING_ANNOTATIONS,
];
/** Whether an annotation key is cert-manager's and not one it may carry. */
export function refusedCertManagerAnnotation(key: string): boolean {
  return CERT_MANAGER_ANNOTATION_PREFIXES.some((p) => key.startsWith(p)) && !CERT_MANAGER_ALLOWED_ANNOTATIONS.includes(key);
}
/**
 * The key usages a Certificate may ask for: a server's (cert-manager's default is the first two).
 * `client auth` would make it a client certificate, for any mTLS that maps a subject to a user;
 * `cert sign` and the others have no use for a server.
 */
export const SERVER_USAGES = ['digital signature', 'key encipherment', 'server auth'] as const;

const CM = CERT_MANAGER_INGRESS_ANNOTATIONS;
const celList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;
/** CEL: the `<Kind>/<name>` of the issuer a Certificate's issuerRef names, with cert-manager's defaults. */
const certificateIssuer = `((has(object.spec.issuerRef) && has(object.spec.issuerRef.kind) ? object.spec.issuerRef.kind : 'Issuer') + '/' + (has(object.spec.issuerRef) && has(object.spec.issuerRef.name) ? object.spec.issuerRef.name : ''))`;
const certificateGroupOk = `(!has(object.spec.issuerRef) || !has(object.spec.issuerRef.group) || object.spec.issuerRef.group == 'cert-manager.io')`;
const issuerSaid = `' (the config repository allows ' + (variables.routeIssuer == '' ? 'none: ria.yaml names no "certificates" issuer' : variables.routeIssuer + ', ria.yaml "certificates"') + ')'`;
/**
 * CEL: the issuer an Ingress's cert-manager annotations name is the config's. An issuer of another
 * group (cert-manager.io/issuer-group) is never the config's; `kubernetes.io/tls-acme` asks for
 * cert-manager's default issuer, which the config does not name.
 */
const ingressIssuerOk = `((!${hasIngressAnnotation(CM.clusterIssuer)} || 'ClusterIssuer/' + ${ingressAnnotation(CM.clusterIssuer)} == variables.routeIssuer)`
  + ` && (!${hasIngressAnnotation(CM.issuer)} || (${hasIngressAnnotation(CM.issuerKind)} ? ${ingressAnnotation(CM.issuerKind)} : 'Issuer') + '/' + ${ingressAnnotation(CM.issuer)} == variables.routeIssuer)`
  + ` && (!${hasIngressAnnotation(CM.issuerGroup)} || ${ingressAnnotation(CM.issuerGroup)} == 'cert-manager.io')`
  + ` && !${hasIngressAnnotation(CM.tlsAcme)})`;
/**
 * CEL: the Ingress names the config's IngressClass. The API server's DefaultIngressClass plugin
 * runs before this policy, so an Ingress without a class arrives with the cluster's default class
 * (or none) and is held to the config's like any other. Without a class in ria.yaml the policy
 * cannot tell a class written by the manifest from the default (Ria renders none): any is let
 * through, and the legacy annotation, which some controllers read before the spec, is refused.
 */
const ingressClassOk = `(variables.routeIngressClass == '' ? !${hasIngressAnnotation(LEGACY_INGRESS_CLASS_ANNOTATION)} : `
  + `(has(object.spec.ingressClassName) && object.spec.ingressClassName == variables.routeIngressClass && (!${hasIngressAnnotation(LEGACY_INGRESS_CLASS_ANNOTATION)} || ${ingressAnnotation(LEGACY_INGRESS_CLASS_ANNOTATION)} == variables.routeIngressClass)))`;
/** CEL: the Ingress's cert-manager annotation keys outside CERT_MANAGER_ALLOWED_ANNOTATIONS. */
const refusedCertManagerKeys = `(has(object.metadata.annotations) ? object.metadata.annotations.filter(k, (${CERT_MANAGER_ANNOTATION_PREFIXES.map((p) => `k.startsWith('${p}')`).join(' || ')}) && !(k in ${celList(CERT_MANAGER_ALLOWED_ANNOTATIONS)})) : [])`;
const ingressCertManagerKeysOk = `(${refusedCertManagerKeys}.size() == 0)`;
/**
 * CEL: the Certificate asks for a server certificate and nothing more: not a CA (which signs any
 * hostname), no subject other than commonName (literalSubject, subject: organisations and the like
 * are an identity no hostname check sees), no otherNames, and server usages only.
 */
const certificateChecks: Array<[string, string]> = [
  ['isCA', `(!has(object.spec.isCA) || !object.spec.isCA)`],
  ['literalSubject', `!has(object.spec.literalSubject)`],
  ['subject', `!has(object.spec.subject)`],
  ['otherNames', `(!has(object.spec.otherNames) || object.spec.otherNames.size() == 0)`],
  ['usages', `(!has(object.spec.usages) || object.spec.usages.all(u, u in ${celList(SERVER_USAGES)}))`],
];
const certificateFieldsOk = `(${certificateChecks.map(([, ok]) => ok).join(' && ')})`;
const certificateFieldsRefused = `[${certificateChecks.map(([field, ok]) => `${ok} ? '' : 'spec.${field}${field === 'usages' ? ` ' + object.spec.usages.filter(u, !(u in ${celList(SERVER_USAGES)})).join(', ')` : `'`}`).join(', ')}].filter(f, f != '')`;
const scopeSaid = `' (the config repository allows ' + variables.routeLabel + '.' + variables.routeDomain + ', NAME--' + variables.routeLabel + '.' + variables.routeDomain + (variables.routeListed == ',,' ? '' : ' and' + variables.routeListed.replace(',', ' ')) + ')'`;

/** VAP `validations` for route kinds; each is true for any other request. */
export function routeValidations(): Array<{ expression: string; messageExpression: string; reason: string }> {
  // A status write is not held to the rules of the object: it changes no spec, and the ingress
  // controller (another namespace's ServiceAccount) writing status.loadBalancer must pass even on an
  // Ingress the scope has narrowed away from since.
  const not = (kind: string) => `object == null || variables.routeStatus || variables.routeKind != '${kind}'`;
  const notAny = (kinds: readonly string[]) => `object == null || variables.routeStatus || !(variables.routeKind in ${celList(kinds)})`;
  const what = `variables.routeKind + ' ' + object.metadata.name`;
  return [
    { expression: `!variables.routeStatus || (${metadataUnchanged('labels')} && ${metadataUnchanged('annotations')})`,
      messageExpression: `${what} + ': a write of its status may not change its labels or annotations (the cert-manager annotations and the ingress class are held on the object itself); status.loadBalancer alone is the ingress controller\\'s to write'`,
      reason: 'Forbidden' },
    { expression: `${notAny(GATEWAY_ROUTE_KINDS)} || !has(object.spec.parentRefs) || object.spec.parentRefs.all(p, ${parentAllowed('p')})`,
      messageExpression: `${what} + ': parentRefs ' + object.spec.parentRefs.filter(p, !${parentAllowed('p')}).map(p, (has(p.namespace) ? p.namespace : request.namespace) + '/' + p.name).join(', ') + ' are not the Gateway the config repository gives this environment (' + (variables.routeGateway == '' ? 'none' : variables.routeGateway) + ') nor a Service of its namespace'`,
      reason: 'Forbidden' },
    { expression: `${notAny(GATEWAY_ROUTE_KINDS)} || (${hostnames}.size() > 0 ? ${hostnames}.all(h, ${hostAllowed('h')}) : has(object.spec.parentRefs) && object.spec.parentRefs.all(p, ${meshParent('p')}))`,
      messageExpression: `${what} + ': ' + (${hostnames}.size() == 0 ? 'a route on a Gateway must name its hostnames (none would match every hostname)' : 'hostnames ' + ${hostnames}.filter(h, !${hostAllowed('h')}).join(', ') + ' are not this environment\\'s') + ${scopeSaid}`,
      reason: 'Forbidden' },
    { expression: `${not('Ingress')} || (!has(object.spec.defaultBackend) && (!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && ${hostAllowed('r.host')})) && (!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, ${hostAllowed('h')}))))`,
      messageExpression: `'Ingress ' + object.metadata.name + ': every rule needs a host of this environment, no defaultBackend, and TLS hosts of this environment only' + ${scopeSaid}`,
      reason: 'Forbidden' },
    { expression: `${not('Ingress')} || ${ingressClassOk}`,
      messageExpression: `'Ingress ' + object.metadata.name + ': ' + (variables.routeIngressClass == '' ? 'the annotation ${LEGACY_INGRESS_CLASS_ANNOTATION} picks an ingress controller the config repository did not (ria.yaml names no "ingressClass": the cluster\\'s default class)' : 'IngressClass ' + (has(object.spec.ingressClassName) ? object.spec.ingressClassName : '(none)') + (${hasIngressAnnotation(LEGACY_INGRESS_CLASS_ANNOTATION)} ? ', annotation ${LEGACY_INGRESS_CLASS_ANNOTATION} ' + ${ingressAnnotation(LEGACY_INGRESS_CLASS_ANNOTATION)} : '') + ' is not the one the config repository allows (' + variables.routeIngressClass + ', ria.yaml "ingressClass"); an Ingress without a class gets the cluster\\'s default')`,
      reason: 'Forbidden' },
    { expression: `${notAny(['Ingress', 'Gateway'])} || ${ingressIssuerOk}`,
      messageExpression: `${what} + ': its cert-manager annotations (' + ['${CM.clusterIssuer}', '${CM.issuer}', '${CM.issuerKind}', '${CM.issuerGroup}', '${CM.tlsAcme}'].filter(k, has(object.metadata.annotations) && k in object.metadata.annotations).map(k, k + ': ' + object.metadata.annotations[k]).join(', ') + ') ask for a certificate from an issuer the config repository did not give this environment' + ${issuerSaid}`,
      reason: 'Forbidden' },
    { expression: `${notAny(['Ingress', 'Gateway'])} || (${ingressCertManagerKeysOk} && (!${hasIngressAnnotation(CERT_MANAGER_COMMON_NAME_ANNOTATION)} || ${hostAllowed(ingressAnnotation(CERT_MANAGER_COMMON_NAME_ANNOTATION))}))`,
      messageExpression: `${what} + ': ' + (${ingressCertManagerKeysOk} ? 'the annotation ${CERT_MANAGER_COMMON_NAME_ANNOTATION} ' + ${ingressAnnotation(CERT_MANAGER_COMMON_NAME_ANNOTATION)} + ' is not a hostname of this environment' + ${scopeSaid} : 'the annotations ' + ${refusedCertManagerKeys}.join(', ') + ' would shape the certificate cert-manager writes beyond the hostnames and issuer the config repository gives this environment (allowed: ${CERT_MANAGER_ALLOWED_ANNOTATIONS.join(', ')})')`,
      reason: 'Forbidden' },
    { expression: `${not('Gateway')} || !has(object.spec.listeners) || object.spec.listeners.all(l, has(l.hostname) && ${hostAllowed('l.hostname')})`,
      messageExpression: `'Gateway ' + object.metadata.name + ': every listener needs a hostname of this environment (none would accept every hostname)' + ${scopeSaid}`,
      reason: 'Forbidden' },
    { expression: `${notAny(ISSUANCE_KINDS)}`,
      messageExpression: `${what} + ': only cert-manager writes ' + variables.routeKind + 's in the namespace of an environment (from a Certificate, which this policy holds to its hostnames and issuer); ask for a certificate with a Certificate'`,
      reason: 'Forbidden' },
    { expression: `${not('Certificate')} || ${certificateFieldsOk}`,
      messageExpression: `'Certificate ' + object.metadata.name + ': ' + ${certificateFieldsRefused}.join(', ') + ' would make it more than a server certificate for hostnames of this environment (no CA, no subject but commonName, usages of ${SERVER_USAGES.join(', ')} only)'`,
      reason: 'Forbidden' },
    { expression: `${not('Certificate')} || (variables.routeIssuer != '' && ${certificateIssuer} == variables.routeIssuer && ${certificateGroupOk})`,
      messageExpression: `'Certificate ' + object.metadata.name + ': issuer ' + ${certificateIssuer} + (${certificateGroupOk} ? '' : ' of group ' + object.spec.issuerRef.group) + ' is not one the config repository gives this environment' + ${issuerSaid}`,
      reason: 'Forbidden' },
    { expression: `${not('Certificate')} || ((!has(object.spec.dnsNames) || object.spec.dnsNames.all(h, ${hostAllowed('h')})) && (!has(object.spec.commonName) || ${hostAllowed('object.spec.commonName')}) && (!has(object.spec.ipAddresses) || object.spec.ipAddresses.size() == 0) && (!has(object.spec.uris) || object.spec.uris.size() == 0) && (!has(object.spec.emailAddresses) || object.spec.emailAddresses.size() == 0))`,
      messageExpression: `'Certificate ' + object.metadata.name + ': it may name hostnames of this environment only' + ${scopeSaid}`,
      reason: 'Forbidden' },
  ];
}
