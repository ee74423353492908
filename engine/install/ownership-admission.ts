/**
 * The ownership policy: Ria's field managers (`ria`, `ria-previews`) are written in an
 * environment's namespace by the engine and the environment's identity only.
 *
 * Ria takes an object for the environment's when it carries the environment's labels and one of
 * Ria's field managers applied it (controller/environment/ownership.ts), and with no inventory
 * recorded it takes every such object of the namespace as its previous inventory, and prunes what
 * the new commit no longer has (leftovers.ts), as the environment's identity, which may delete
 * every kind it writes there. But a field manager is named by the writer (`?fieldManager=ria`),
 * and `metadata.managedFields` can be written whole by an update: a pod an app's `permissions`
 * gave `patch` but not `delete` could label an object like the environment's, apply it as `ria`,
 * and have Ria delete it (review9 F7). Held here, by the API server, for the kinds Ria lists as
 * leftovers (the environment's kinds, its Roles and RoleBindings) in every environment namespace:
 * a create or update whose object has an entry of one of Ria's managers (any operation) that the
 * object before it had not is refused, but for the engine, the environment's own identity (the
 * namespace's `ria-environment`, which the engine impersonates) and system:masters (they pass RBAC
 * and can change or delete the policy anyway).
 *
 * Admission sees `managedFields` as the field manager has updated them (the API server's handlers
 * update them before admission runs; the integration test checks it), so the check reads what
 * will be stored. Entries already there are not held: another writer's update of a field Ria
 * applied changes Ria's entry (the field leaves it), which is any writer's right; and a pod that
 * applies as `ria` to an object Ria applied already gains nothing (Ria owned it before).
 * Subresources (`status`, `scale`) are not matched: their entries never count for ownership.
 *
 * Cost: one CEL evaluation per create and update of those kinds in environment namespaces by
 * anyone else (controllers' writes, the endpoint slices'), a walk of the object's few managedFields
 * entries; the engine's and the environment's writes (every write of a deploy) end at the
 * matchConditions, two string comparisons.
 */
import type { KubeObject } from '../kube/objects.js';
import { ENVIRONMENT_SERVICE_ACCOUNT } from './rbac.js';
import { LEFTOVER_RESOURCES } from '../controller/environment/leftovers.js';
import { RIA_FIELD_MANAGERS } from '../controller/environment/ownership.js';
import { ENVIRONMENT_NAMESPACE_SELECTOR } from './admission-policy.js';

/** The requests the policy looks at: creates and updates of the kinds leftovers.ts lists, grouped by API group. */
export function ownershipRules(): Array<{ apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[]; scope: string }> {
  const byGroup = new Map<string, string[]>();
  for (const r of LEFTOVER_RESOURCES) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r.resource]);
  return [...byGroup].map(([group, resources]) => ({ apiGroups: [group], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [...resources].sort(), scope: 'Namespaced' }));
}

export function ownershipAdmissionPolicy(options: { namespace: string; engineServiceAccount: string; name: string; labels: Record<string, string> }): KubeObject[] {
  const { namespace, engineServiceAccount, name, labels } = options;
  const engineUser = `system:serviceaccount:${namespace}:${engineServiceAccount}`;
  const managers = `[${[...RIA_FIELD_MANAGERS].sort().map((m) => `'${m}'`).join(', ')}]`;
  const ria = (f: string) => `has(${f}.manager) && ${f}.manager in ${managers}`;
  // The same entry: manager, operation and subresource (an entry a status write made does not vouch for the object's).
  const same = (field: string) => `(has(g.${field}) ? g.${field} : '') == (has(f.${field}) ? f.${field} : '')`;
  const before = `oldObject != null && has(oldObject.metadata.managedFields) && oldObject.metadata.managedFields.exists(g, ${['manager', 'operation', 'subresource'].map(same).join(' && ')})`;
  return [
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name, labels }, spec: {
      failurePolicy: 'Fail',
      matchConstraints: { namespaceSelector: ENVIRONMENT_NAMESPACE_SELECTOR, resourceRules: ownershipRules() },
      matchConditions: [
        { name: 'not-the-engine', expression: `request.userInfo.username != '${engineUser}'` },
        { name: 'not-the-environment', expression: `request.userInfo.username != 'system:serviceaccount:' + request.namespace + ':${ENVIRONMENT_SERVICE_ACCOUNT}'` },
        { name: 'not-system-masters', expression: `!has(request.userInfo.groups) || !('system:masters' in request.userInfo.groups)` },
      ],
      validations: [{
        expression: `!has(object.metadata.managedFields) || object.metadata.managedFields.all(f, !(${ria('f')}) || (${before}))`,
        messageExpression: `request.kind.kind + ' ' + request.name + ': the field managers ${[...RIA_FIELD_MANAGERS].sort().join(', ')} are Ria\\'s (it takes what they applied for the environment\\'s, and prunes it): only Ria writes as them in an environment\\'s namespace; name a field manager of your own'`,
        reason: 'Forbidden',
      }],
    } },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name, labels }, spec: {
      policyName: name, validationActions: ['Deny'],
    } },
  ];
}
