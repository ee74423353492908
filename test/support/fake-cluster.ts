/**
 * An in-memory stand-in for KubeObjects (get, list, listAt, apply, applyStatus, mergePatch, delete,
 * create) with failures injected per verb and object, for unit tests of the reconcile's structure.
 * Not an API server: no validation, no defaulting beyond generation, uid and resourceVersion.
 * What must behave like Kubernetes is tested on the real control plane (test/integration).
 */
import { KubeApiError, type KubeObjectRef } from '../../engine/kube/errors.js';
import type { KubeObject, KubeObjects } from '../../engine/kube/objects.js';

export type FakeVerb = 'get' | 'list' | 'apply' | 'dryRun' | 'applyStatus' | 'mergePatch' | 'delete' | 'create';

export interface InjectedFailure {
  verb: FakeVerb;
  kind?: string;
  name?: string;
  error: () => Error;
  /** How many times it fails (default: until removed). */
  times?: number;
}

/** The fields an applied object sets, roughly as fieldsV1 (`{"f:spec":{"f:replicas":{}}}`). */
export function fieldSet(obj: unknown, top = true): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return set;
  for (const [k, v] of Object.entries(obj)) {
    if (top && (k === 'apiVersion' || k === 'kind')) continue;
    set[`f:${k}`] = fieldSet(v, false);
  }
  return set;
}

const keyOf = (r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;

export class FakeCluster {
  readonly store = new Map<string, KubeObject>();
  readonly failures: InjectedFailure[] = [];
  readonly calls: Array<{ verb: FakeVerb; kind: string; name?: string }> = [];
  private counter = 0;
  /** The newest resourceVersion handed out (a list's, as the API server gives one). */
  get version(): number {
    return this.counter;
  }
  /** Applied Deployments report a finished rollout at once (false: they stay "not observed yet"). */
  rollOut = true;

  /** A 4xx/5xx the API server could answer, typed like KubeRest's. */
  static apiError(status: number, message: string, kind = 'Deployment'): () => Error {
    return () => new KubeApiError('apply', { apiVersion: 'v1', kind, name: 'x' }, status, message);
  }

  get writes(): number {
    return this.calls.filter((c) => c.verb !== 'get' && c.verb !== 'list' && c.verb !== 'dryRun').length;
  }

  fail(failure: InjectedFailure): void {
    this.failures.push(failure);
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  put(obj: KubeObject): KubeObject {
    const stored = structuredClone(obj);
    stored.metadata.uid ??= `uid-${++this.counter}`;
    stored.metadata.resourceVersion = String(++this.counter);
    stored.metadata.generation ??= 1;
    this.store.set(keyOf({ ...stored.metadata, apiVersion: obj.apiVersion, kind: obj.kind }), stored);
    return structuredClone(stored);
  }

  find(apiVersion: string, kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.store.get(keyOf({ apiVersion, kind, namespace, name }));
    return o ? structuredClone(o) : undefined;
  }

  private check(verb: FakeVerb, kind: string, name?: string): void {
    this.calls.push({ verb, kind, ...(name ? { name } : {}) });
    const f = this.failures.find((x) => x.verb === verb && (!x.kind || x.kind === kind) && (!x.name || x.name === name));
    if (!f) return;
    if (f.times !== undefined && --f.times <= 0) this.failures.splice(this.failures.indexOf(f), 1);
    throw f.error();
  }

  /** The KubeObjects interface the engine uses. */
  get objects(): KubeObjects {
    const self = this;
    const api = {
      async get<T>(ref: KubeObjectRef): Promise<T | undefined> {
        self.check('get', ref.kind, ref.name);
        return self.find(ref.apiVersion, ref.kind, ref.namespace, ref.name) as T | undefined;
      },
      async list<T>(apiVersion: string, kind: string, options: { namespace?: string } = {}): Promise<T[]> {
        self.check('list', kind);
        return [...self.store.values()].filter((o) => o.apiVersion === apiVersion && o.kind === kind
          && (!options.namespace || o.metadata.namespace === options.namespace)).map((o) => structuredClone(o) as T);
      },
      async listAt<T>(apiVersion: string, kind: string, options: { namespace?: string } = {}): Promise<{ items: T[]; resourceVersion: string }> {
        const resourceVersion = String(self.version);
        return { items: await api.list<T>(apiVersion, kind, options), resourceVersion };
      },
      async apply<T>(obj: KubeObject, options: { fieldManager?: string; dryRun?: boolean } = {}): Promise<T> {
        self.check(options.dryRun ? 'dryRun' : 'apply', obj.kind, obj.metadata.name);
        // The fields the manager owns, in the API server's fieldsV1 shape (lists as one field here).
        const managedFields = [{ manager: options.fieldManager ?? 'ria', operation: 'Apply', fieldsV1: fieldSet(obj) }];
        const current = self.find(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
        const changed = !current || JSON.stringify(current.spec) !== JSON.stringify(obj.spec);
        const generation = (current?.metadata.generation ?? 0) + (changed ? 1 : 0);
        const want = (obj.spec as { replicas?: number } | undefined)?.replicas ?? 1;
        const rolledOut = obj.kind === 'Deployment' && self.rollOut
          ? { status: { observedGeneration: generation, replicas: want, updatedReplicas: want, availableReplicas: want } } : {};
        const next = { ...obj, ...(current?.status ? { status: current.status } : {}), ...rolledOut,
          metadata: { ...current?.metadata, ...obj.metadata, generation, managedFields, ...(current?.metadata.uid ? { uid: current.metadata.uid } : {}) } };
        // A dry run answers what the apply would store, and stores nothing.
        if (options.dryRun) return structuredClone({ ...next, metadata: { ...next.metadata, resourceVersion: current?.metadata.resourceVersion } }) as T;
        return self.put(next) as T;
      },
      async applyStatus<T>(obj: KubeObject): Promise<T> {
        self.check('applyStatus', obj.kind, obj.metadata.name);
        const current = self.find(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
        if (!current) throw new KubeApiError('apply', { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name }, 404, 'not found');
        return self.put({ ...current, status: obj.status }) as T;
      },
      async mergePatch<T>(ref: KubeObjectRef, patch: Record<string, unknown>): Promise<T> {
        self.check('mergePatch', ref.kind, ref.name);
        const current = self.find(ref.apiVersion, ref.kind, ref.namespace, ref.name);
        if (!current) throw new KubeApiError('patch', ref, 404, 'not found');
        const { metadata, ...rest } = patch as { metadata?: Record<string, unknown> };
        const { resourceVersion: _rv, ...meta } = metadata ?? {};
        return self.put({ ...current, ...rest, metadata: { ...current.metadata, ...meta } }) as T;
      },
      async delete(ref: KubeObjectRef): Promise<boolean> {
        return (await api.deleteAnswered(ref)) !== undefined;
      },
      /** The object as deleted, at the deletion's resourceVersion (as the API server answers). */
      async deleteAnswered<T>(ref: KubeObjectRef): Promise<T | undefined> {
        self.check('delete', ref.kind, ref.name);
        const current = self.find(ref.apiVersion, ref.kind, ref.namespace, ref.name);
        if (!self.store.delete(keyOf(ref)) || !current) return undefined;
        return { ...current, metadata: { ...current.metadata, resourceVersion: String(++self.counter) } } as T;
      },
      /** Discovery: every kind is served at the version asked. */
      paths: { serves: async () => true, servedVersion: async (apiVersion: string) => apiVersion },
      /** No RBAC here: every identity may do everything (the real authorizer is tested on the control plane). */
      as: () => api,
      async allowed(): Promise<boolean> { return true; },
      async create<T>(obj: KubeObject): Promise<T> {
        self.check('create', obj.kind, obj.metadata.name);
        if (self.find(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name)) {
          throw new KubeApiError('create', { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name }, 409, 'already exists');
        }
        return self.put(obj) as T;
      },
    };
    return api as unknown as KubeObjects;
  }
}
