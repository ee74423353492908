import { isDeepStrictEqual } from 'node:util';
import { KubeApiError, isNotFound } from '../../kube/errors.js';
import type { KubeObject, KubeObjects } from '../../kube/objects.js';
import {
  ENVIRONMENT_PERMISSIONS_ROLE, ENVIRONMENT_ROLE, ENVIRONMENT_SERVICE_ACCOUNT, environmentPermissionRules, environmentRules,
} from '../../install/rbac.js';
import type { Log } from '../context.js';
import { ownershipLabels, type EnvironmentOwner } from './ownership.js';

/**
 * Per-environment identity: the engine applies an environment's objects as the environment's
 * own ServiceAccount (impersonation), bound in the environment's namespace only to the fixed
 * ClusterRoles `ria install` writes. The API server then refuses whatever the environment may
 * not do (another namespace, a cluster-scoped object, a kind Ria does not render), whatever the
 * Riofile says and whatever Ria's own checks miss. The engine itself writes only the frame: the
 * Namespace, that ServiceAccount and its RoleBindings (install/rbac.ts says why each right).
 */

const RBAC = 'rbac.authorization.k8s.io';

/** The user name the engine impersonates for the environment in `namespace`. */
export function environmentUser(namespace: string): string {
  return `system:serviceaccount:${namespace}:${ENVIRONMENT_SERVICE_ACCOUNT}`;
}

/**
 * Pure: the ServiceAccount and RoleBindings that are the environment's identity. The binding to
 * the permissions role only when the config allows the app `permissions` (Roles/RoleBindings).
 */
export function identityObjects(owner: EnvironmentOwner, options: { permissions: boolean }): KubeObject[] {
  const labels = ownershipLabels(owner);
  const namespace = owner.namespace;
  const subjects = [{ kind: 'ServiceAccount', name: ENVIRONMENT_SERVICE_ACCOUNT, namespace }];
  const binding = (role: string): KubeObject => ({
    apiVersion: `${RBAC}/v1`, kind: 'RoleBinding', metadata: { name: role, namespace, labels },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role }, subjects,
  });
  return [
    // Never a token: nothing runs as this ServiceAccount, the engine only impersonates it.
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: ENVIRONMENT_SERVICE_ACCOUNT, namespace, labels }, automountServiceAccountToken: false },
    binding(ENVIRONMENT_ROLE),
    ...(options.permissions ? [binding(ENVIRONMENT_PERMISSIONS_ROLE)] : []),
  ];
}

/** Whether `ref` names one of the identity objects (written by the engine, never by the environment). */
export function isIdentityObject(ref: { kind: string; name: string; namespace?: string }): boolean {
  if (ref.namespace === undefined) return false;
  if (ref.kind === 'ServiceAccount') return ref.name === ENVIRONMENT_SERVICE_ACCOUNT;
  return ref.kind === 'RoleBinding' && (ref.name === ENVIRONMENT_ROLE || ref.name === ENVIRONMENT_PERMISSIONS_ROLE);
}

/** Whether the engine writes `ref` as itself (the frame: Namespace, identity, cluster-scoped objects); the rest as the environment. */
export function writtenByEngine(ref: { kind: string; name: string; namespace?: string }): boolean {
  return ref.kind === 'Namespace' || !ref.namespace || isIdentityObject(ref);
}

/** The ClusterRoles environments are bound to, as `ria install` writes them. */
export function environmentClusterRoles(labels: Record<string, string> = {}): KubeObject[] {
  return [
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: ENVIRONMENT_ROLE, labels }, rules: environmentRules().map((r) => r.rule) },
    { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: ENVIRONMENT_PERMISSIONS_ROLE, labels }, rules: environmentPermissionRules().map((r) => r.rule) },
  ];
}

/** How often and how long to wait for a new RoleBinding to reach the API server's authorizer. */
const AUTHORIZED_POLL_MS = 50;
const AUTHORIZED_TIMEOUT_MS = 10_000;

/**
 * The clients an environment's objects are written with, and the one-time checks around them.
 * One per engine (created with the context); stateless apart from remembering that the roles exist.
 */
export class EnvironmentIdentities {
  private rolesChecked: Promise<void> | undefined;

  constructor(private readonly objects: KubeObjects, private readonly log: Log, private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))) {}

  /** The engine's own client for the frame (Namespace, identity, cluster-scoped objects), the environment's for the rest. */
  clientFor(obj: { kind: string; namespace?: string; name: string } | KubeObject): KubeObjects {
    const ref = 'metadata' in obj ? { kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace } : obj;
    if (writtenByEngine(ref)) return this.objects;
    return this.objects.as(environmentUser(ref.namespace!));
  }

  /**
   * The environment ClusterRoles exist (once per process, until it succeeds). With rights to write
   * them (a development cluster's admin) they are written; the installed engine has none, and a
   * missing role means `ria install` did not run: said in the error every environment shows.
   */
  ensureRoles(): Promise<void> {
    this.rolesChecked ??= this.checkRoles().catch((err: unknown) => { this.rolesChecked = undefined; throw err; });
    return this.rolesChecked;
  }

  private async checkRoles(): Promise<void> {
    for (const role of environmentClusterRoles({ 'app.kubernetes.io/managed-by': 'ria', 'app.kubernetes.io/part-of': 'ria' })) {
      const ref = { apiVersion: role.apiVersion, kind: role.kind, name: role.metadata.name };
      let current: KubeObject | undefined;
      try {
        current = await this.objects.get(ref);
      } catch (err) {
        if (!(err instanceof KubeApiError) || err.status !== 403) throw err;
      }
      if (current && isDeepStrictEqual(current.rules ?? [], role.rules)) continue;
      try {
        await this.objects.apply(role, { force: true });
      } catch (err) {
        if (!(err instanceof KubeApiError) || (err.status !== 403 && !isNotFound(err))) throw err;
        if (current) {
          this.log.warn('an environment ClusterRole differs from this engine version\'s and the engine may not update it: run ria install', { clusterRole: ref.name });
          continue;
        }
        throw new KubeApiError('check', ref, 503, `the ClusterRole environments are bound to is missing and the engine may not create it: run "ria install" (${err.message})`, 'EnvironmentRolesMissing');
      }
    }
  }

  /** A moment for a just-created binding to reach the authorizer (one poll interval). */
  pause(): Promise<void> {
    return this.sleep(AUTHORIZED_POLL_MS);
  }

  /**
   * Waits until a just-created binding lets the environment write (the RBAC authorizer reads
   * bindings from a cache that trails the write by a moment). Asked only once a write with the
   * new binding was refused twice (apply.ts): mostly it works by the time it is used. Gives
   * up quietly after 10 s: the apply then fails with the API server's own "forbidden" and is retried.
   */
  async waitAuthorized(namespace: string): Promise<void> {
    const deadline = Date.now() + AUTHORIZED_TIMEOUT_MS;
    const environment = this.objects.as(environmentUser(namespace));
    while (Date.now() < deadline) {
      if (await environment.allowed({ namespace, verb: 'create', resource: 'configmaps' })) return;
      await this.sleep(AUTHORIZED_POLL_MS);
    }
    this.log.warn('the environment\'s RoleBinding is not effective yet; applying anyway', { namespace });
  }
}
