/**
 * A ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1) that bounds what Ria's
 * identities write, below RBAC: RBAC cannot limit the engine's namespace, ServiceAccount and
 * RoleBinding writes (nor its impersonation) to the environments' namespaces, because those are
 * made at runtime. Checked by the API server on every create, update and delete of the kinds Ria
 * writes, made by the engine's ServiceAccount or by an environment's ServiceAccount:
 *
 * 1. never in a `kube-*` namespace (nor a `kube-*` Namespace itself);
 * 2. never in Ria's own namespace for an environment, and never Ria's own Namespace object
 *    (the engine's writes there, its Lease and Events, are its namespaced Role's);
 * 3. an environment's ServiceAccount writes only in its own namespace, and namespaced writes go
 *    only into namespaces labelled by Ria (which the engine can create, but cannot label after
 *    the fact: rule 4): a foreign namespace gets no Ria ServiceAccount, binding or object;
 * 4. only objects carrying Ria's labels (`app.kubernetes.io/managed-by: ria` and `ria.dev/app`, or
 *    `ria.dev/role` for the builder namespace's),
 *    before and after the write: Ria cannot create an unlabelled object, and cannot take over
 *    (update, label, delete) one it did not label;
 *
 * A second policy (routeAdmissionPolicy) holds routes (HTTPRoute and the other Gateway API
 * routes, Gateway, Ingress, Certificate; cert-manager's issuance requests refused) to the
 * hostnames, Gateway, issuer and IngressClass the config repository gives the environment
 * (route-admission.ts), in every environment namespace and for every writer, not only Ria's
 * identities: an app allowed `permissions` can grant its own pods (or anyone) rights to write
 * routes in its namespace, and the Gateway takes routes from every namespace Ria labels.
 *
 * A third (namespaceAdmissionPolicy) keeps the labels and annotations of an environment's
 * Namespace (Pod Security, the route scope, the labels the policies, Gateways and NetworkPolicies
 * select on, the scheduler's annotations) to the engine: the same `permissions` let pods be given
 * rights on their own Namespace object.
 */
import type { KubeObject } from '../kube/objects.js';
import { ENVIRONMENT_RESOURCES, ENVIRONMENT_SERVICE_ACCOUNT } from './rbac.js';
import { GUARDED_ROUTE_RESOURCES, GUARDED_ROUTE_STATUS, metadataUnchanged, routeValidations, routeVariables } from './route-admission.js';
import { QUOTA_NAME as PREVIEW_QUOTA_NAME } from '../github/preview-quota.js';
import { EXPOSURE_RULES, exposureValidations, exposureVariables } from './exposure-admission.js';

const BY_GROUP = new Map<string, string[]>();
for (const r of ENVIRONMENT_RESOURCES) BY_GROUP.set(r.group, [...(BY_GROUP.get(r.group) ?? []), r.resource]);

/** Resources the policy watches: the environment kinds, plus what the engine writes around them. */
export function guardedResources(): Array<{ group: string; resources: string[] }> {
  const core = [...new Set([...(BY_GROUP.get('') ?? []), 'namespaces', 'resourcequotas', 'serviceaccounts'])].sort();
  return [
    { group: '', resources: core },
    ...[...BY_GROUP].filter(([g]) => g !== '').map(([group, resources]) => ({ group, resources: [...resources].sort() })),
    { group: 'rbac.authorization.k8s.io', resources: ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'] },
  ].map((g) => (g.group === 'networking.k8s.io' ? { ...g, resources: [...new Set([...g.resources, 'networkpolicies'])].sort() } : g));
}

/** Ria's: managed by Ria, and for an app (`ria.dev/app`) or for a role of Ria's own (`ria.dev/role`: the builder namespace). */
const labelled = (o: string) =>
  `has(${o}.metadata.labels) && 'app.kubernetes.io/managed-by' in ${o}.metadata.labels && ${o}.metadata.labels['app.kubernetes.io/managed-by'] == 'ria' && ('ria.dev/app' in ${o}.metadata.labels || 'ria.dev/role' in ${o}.metadata.labels)`;

export function admissionPolicy(options: { namespace: string; engineServiceAccount: string; name: string; labels: Record<string, string> }): KubeObject[] {
  const { namespace, engineServiceAccount, name, labels } = options;
  const engineUser = `system:serviceaccount:${namespace}:${engineServiceAccount}`;
  return [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels }, spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: guardedResources().map(({ group, resources }) => ({
          apiGroups: [group], apiVersions: ['*'], operations: ['CREATE', 'UPDATE', 'DELETE'], resources, scope: '*',
        })),
      },
      matchConditions: [{
        name: 'ria-identities',
        expression: `request.userInfo.username == '${engineUser}' || (request.userInfo.username.startsWith('system:serviceaccount:') && request.userInfo.username.endsWith(':${ENVIRONMENT_SERVICE_ACCOUNT}'))`,
      }],
      variables: [
        { name: 'isEngine', expression: `request.userInfo.username == '${engineUser}'` },
        { name: 'target', expression: `request.resource.resource == 'namespaces' ? request.name : request.namespace` },
      ],
      validations: [
        { expression: `!variables.target.startsWith('kube-')`,
          messageExpression: `'Ria never writes in kube-* namespaces (' + variables.target + ')'`, reason: 'Forbidden' },
        { expression: `variables.target != '${namespace}' || (variables.isEngine && request.resource.resource != 'namespaces')`,
          message: `an environment never writes in Ria's own namespace ${namespace}, and Ria never changes that namespace`, reason: 'Forbidden' },
        { expression: `variables.isEngine || variables.target == request.userInfo.username.split(':')[2]`,
          messageExpression: `'an environment writes only in its own namespace, not ' + variables.target`, reason: 'Forbidden' },
        { expression: `request.resource.resource == 'namespaces' || request.namespace == '' || (namespaceObject != null && has(namespaceObject.metadata.labels) && 'app.kubernetes.io/managed-by' in namespaceObject.metadata.labels && namespaceObject.metadata.labels['app.kubernetes.io/managed-by'] == 'ria')`,
          messageExpression: `'Ria writes only in namespaces it made (labelled app.kubernetes.io/managed-by: ria), not in ' + request.namespace`, reason: 'Forbidden' },
        { expression: `request.operation == 'DELETE' || (${labelled('object')})`,
          message: 'Ria writes only objects carrying its labels (app.kubernetes.io/managed-by: ria and ria.dev/app)', reason: 'Forbidden' },
        { expression: `request.operation == 'CREATE' || (${labelled('oldObject')})`,
          message: 'Ria never changes or deletes an object it did not label (app.kubernetes.io/managed-by: ria and ria.dev/app)', reason: 'Forbidden' },
      ],
    } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels }, spec: {
      policyName: name, validationActions: ['Deny'],
    } },
  ];
}

/** The labels of an environment's namespace (render/namespace.ts): Ria's, for an app. The builder namespace and Ria's own have no `ria.dev/app`. */
export const ENVIRONMENT_NAMESPACE_SELECTOR = {
  matchLabels: { 'app.kubernetes.io/managed-by': 'ria' },
  matchExpressions: [{ key: 'ria.dev/app', operator: 'Exists' }],
};
/** cert-manager's default namespace (its Helm chart and static manifests). */
export const DEFAULT_CERT_MANAGER_NAMESPACE = 'cert-manager';

/**
 * The route policy: route-admission.ts's checks on every create and update of a route kind (and
 * update of an Ingress's status) in an environment's namespace (ENVIRONMENT_NAMESPACE_SELECTOR), by
 * anyone but:
 *
 * - `system:masters`: they pass RBAC and can change or delete this policy anyway, so holding
 *   them would protect nothing, and it leaves a cluster admin a way to mend an environment by hand;
 * - the ServiceAccounts of cert-manager's namespace (`ria install --cert-manager-namespace`): its
 *   HTTP-01 solver writes an Ingress or HTTPRoute of the issuer's own class and Gateway listener
 *   in the Certificate's namespace, and it writes the CertificateRequests and ACME Orders of the
 *   Certificates it issues. What makes it issue is held here (a Certificate, an Ingress's or a
 *   Gateway's annotations), and no environment can get a ServiceAccount token of that namespace.
 *
 * The engine is not exempt: it writes no route as itself (an environment's objects are applied as
 * the environment's identity), so the same rules hold whoever writes.
 */
export function routeAdmissionPolicy(options: { name: string; labels: Record<string, string>; certManagerNamespace?: string }): KubeObject[] {
  const { name, labels, certManagerNamespace = DEFAULT_CERT_MANAGER_NAMESPACE } = options;
  const byGroup = new Map<string, string[]>();
  for (const r of GUARDED_ROUTE_RESOURCES) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r.resource]);
  return [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels }, spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: ENVIRONMENT_NAMESPACE_SELECTOR,
        resourceRules: [
          ...[...byGroup].map(([group, resources]) => ({
            apiGroups: [group], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [...resources].sort(), scope: 'Namespaced',
          })),
          // An Ingress's status write can change its annotations (review10 F2): route-admission.ts holds them.
          ...GUARDED_ROUTE_STATUS.map(({ group, resource }) => ({ apiGroups: [group], apiVersions: ['*'], operations: ['UPDATE'], resources: [resource], scope: 'Namespaced' })),
        ],
      },
      matchConditions: [
        { name: 'not-system-masters', expression: `!has(request.userInfo.groups) || !('system:masters' in request.userInfo.groups)` },
        { name: 'not-cert-manager', expression: `!request.userInfo.username.startsWith('system:serviceaccount:${certManagerNamespace}:')` },
      ],
      variables: routeVariables(),
      validations: routeValidations(),
    } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels }, spec: {
      policyName: name, validationActions: ['Deny'],
    } },
  ];
}

/**
 * The one label of a Namespace not held: `kubernetes.io/metadata.name`, which the API server itself
 * sets to the namespace's name on every write (so no write changes it, but the first write to a
 * namespace older than Kubernetes 1.21 adds it, whoever makes that write).
 */
const API_SERVER_NAMESPACE_LABEL = 'kubernetes.io/metadata.name';

/** CEL: `o`'s labels say it is an environment's namespace (managed by Ria, for an app). */
const environmentNamespace = (o: string) =>
  `has(${o}.metadata.labels) && 'app.kubernetes.io/managed-by' in ${o}.metadata.labels && ${o}.metadata.labels['app.kubernetes.io/managed-by'] == 'ria' && 'ria.dev/app' in ${o}.metadata.labels`;

/**
 * The namespace policy: an environment's frame, which Ria writes around what the environment
 * writes, is changed by the engine alone (and system:masters, who can remove the policy anyway).
 * An app allowed `permissions` may give its pods any right in its namespace (its identity holds
 * `escalate` and `bind` there), and RBAC authorizes a write to the Namespace object itself by a
 * RoleBinding in that namespace (review8 F1). Held here:
 *
 * - every label and annotation of the Namespace (the engine writes the whole set): a pod given
 *   `patch` on `namespaces` could set `pod-security.kubernetes.io/enforce: privileged` (a
 *   privileged pod, root on the node), widen its route scope (`ria.dev/route-*`, which the route
 *   policy reads: another app's hostnames), drop `ria.dev/app` (the route policy's selector), and
 *   with any other key fool what else trusts namespace metadata: another tenant's NetworkPolicy
 *   `namespaceSelector` or a Gateway's `allowedRoutes` selector on a label of its choosing, the
 *   PodNodeSelector and PodTolerationRestriction admission plugins
 *   (`scheduler.alpha.kubernetes.io/node-selector`, `defaultTolerations`, `tolerationsWhitelist`:
 *   its pods onto control-plane nodes). Only `kubernetes.io/metadata.name` is left out (the API
 *   server writes it, always the name). Not held either: finalizers (the garbage collector) and
 *   the status and finalize subresources (the namespace controller), all kube-controller-manager
 *   writes of a Namespace.
 * - its deletion: the engine deletes it with its Environment (and makes it again, without the
 *   preview's quota, were it deleted under a running Environment);
 * - a preview's ResourceQuota (`ria-preview`, github/preview-quota.ts): neither changed nor
 *   deleted, but by the namespace controller once the namespace is being deleted; its status
 *   (`resourcequotas/status`: quota admission adds each new pod to `status.used`, so resetting it
 *   lifts the quota until the controller's resync) not written by a ServiceAccount of the
 *   environment's namespace (the quota controller and admission write it as kube-system's
 *   controller or the API server).
 *
 * Matched on the Namespace's labels before the write (`oldObject`), not by a namespaceSelector:
 * for a Namespace update that selector reads the new labels, which the writer chooses.
 */
export function namespaceAdmissionPolicy(options: { namespace: string; engineServiceAccount: string; name: string; labels: Record<string, string> }): KubeObject[] {
  const { namespace, engineServiceAccount, name, labels } = options;
  const engineUser = `system:serviceaccount:${namespace}:${engineServiceAccount}`;
  const isNamespace = `(request.resource.resource == 'namespaces')`;
  const isStatus = `(has(request.subResource) && request.subResource == 'status')`;
  return [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels }, spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE', 'DELETE'], resources: ['namespaces'], scope: '*' },
          // A Namespace's status strategy resets only its spec: a write of its status (or of its
          // finalize subresource) changes labels and annotations like the object's own (review10 F1).
          { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['namespaces/status', 'namespaces/finalize'], scope: '*' },
          { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE', 'DELETE'], resources: ['resourcequotas'], scope: 'Namespaced' },
          { apiGroups: [''], apiVersions: ['*'], operations: ['UPDATE'], resources: ['resourcequotas/status'], scope: 'Namespaced' },
        ],
      },
      matchConditions: [
        // The quota's namespace is looked at in the validation: namespaceObject is null in matchConditions.
        { name: 'environment-frame', expression: `${isNamespace} ? (${environmentNamespace('oldObject')}) : oldObject.metadata.name == '${PREVIEW_QUOTA_NAME}'` },
        { name: 'not-the-engine', expression: `request.userInfo.username != '${engineUser}'` },
        { name: 'not-system-masters', expression: `!has(request.userInfo.groups) || !('system:masters' in request.userInfo.groups)` },
      ],
      validations: [
        { expression: `!${isNamespace} || request.operation != 'UPDATE' || (${metadataUnchanged('labels', API_SERVER_NAMESPACE_LABEL)})`,
          message: 'only Ria changes the labels of an environment\'s namespace (Pod Security\'s, the ones policies, Gateways and NetworkPolicies select on)', reason: 'Forbidden' },
        { expression: `!${isNamespace} || request.operation != 'UPDATE' || (${metadataUnchanged('annotations')})`,
          message: 'only Ria changes the annotations of an environment\'s namespace (the route scope, the host access, the scheduler\'s node selector and tolerations)', reason: 'Forbidden' },
        { expression: `!${isNamespace} || request.operation != 'DELETE'`,
          message: 'only Ria deletes an environment\'s namespace: delete its Environment', reason: 'Forbidden' },
        { expression: `${isNamespace} || ${isStatus} || namespaceObject == null || !(${environmentNamespace('namespaceObject')}) || has(namespaceObject.metadata.deletionTimestamp)`,
          message: `only Ria changes or deletes a preview's ResourceQuota ${PREVIEW_QUOTA_NAME}`, reason: 'Forbidden' },
        { expression: `!${isStatus} || namespaceObject == null || !(${environmentNamespace('namespaceObject')}) || !request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')`,
          message: `a preview's ResourceQuota ${PREVIEW_QUOTA_NAME} counts what its namespace uses: its status is the quota controller's, never written by the environment's own ServiceAccounts`, reason: 'Forbidden' },
      ],
    } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels }, spec: {
      policyName: name, validationActions: ['Deny'],
    } },
  ];
}

/**
 * The exposure policy: exposure-admission.ts's checks on Services, EndpointSlices and Endpoints
 * (created or updated) and Pods (created, or given an ephemeral container) in an environment's
 * namespace, by anyone but system:masters and cert-manager's ServiceAccounts (its HTTP-01 solver
 * makes a pod and a NodePort Service by default), as the route policy: an app allowed
 * `permissions` may give its pods rights on them, and Pod Security lets host access through once
 * the app is granted any. Only those kinds are matched: no other write pays for it.
 */
export function exposureAdmissionPolicy(options: { name: string; labels: Record<string, string>; certManagerNamespace?: string }): KubeObject[] {
  const { name, labels, certManagerNamespace = DEFAULT_CERT_MANAGER_NAMESPACE } = options;
  return [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels }, spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        namespaceSelector: ENVIRONMENT_NAMESPACE_SELECTOR,
        resourceRules: EXPOSURE_RULES.map((r) => ({ ...r, apiGroups: [...r.apiGroups], apiVersions: [...r.apiVersions], operations: [...r.operations], resources: [...r.resources] })),
      },
      matchConditions: [
        { name: 'not-system-masters', expression: `!has(request.userInfo.groups) || !('system:masters' in request.userInfo.groups)` },
        { name: 'not-cert-manager', expression: `!request.userInfo.username.startsWith('system:serviceaccount:${certManagerNamespace}:')` },
      ],
      variables: exposureVariables(),
      validations: exposureValidations(),
    } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels }, spec: {
      policyName: name, validationActions: ['Deny'],
    } },
  ];
}
