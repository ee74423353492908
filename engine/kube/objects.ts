import type { KubeRest, KubeRequest } from './rest.js';
import { ResourcePaths } from './resources.js';
import { isNotFound, type KubeObjectRef } from './errors.js';

export const FIELD_MANAGER = 'ria';
/** Field manager of preview namespaces and quotas, made before their Environment (engine/github/preview-quota.ts). */
export const PREVIEW_FIELD_MANAGER = 'ria-previews';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>;
    resourceVersion?: string; generation?: number; uid?: string; deletionTimestamp?: string; finalizers?: string[];
    managedFields?: Array<{ manager?: string; operation?: string; subresource?: string; time?: string; fieldsV1?: unknown }>; [key: string]: unknown };
  [key: string]: unknown;
}

export function refOf(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): KubeObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) };
}

/**
 * The `fieldValidation` of every server-side apply: `Ignore`. Without it the API server takes
 * `Warn`, and parses each apply body a second time (YAML, strictly) only to find duplicate keys
 * and answer warnings, which Ria never reads; JSON.stringify writes no duplicate keys. Unknown
 * fields are refused either way: server-side apply refuses a field its type does not declare
 * ("field not declared in schema") whatever this says. The second parse was about 1.5 % of the API
 * server's CPU in a cold start (profiled, bench/README.md).
 */
export const APPLY_FIELD_VALIDATION = 'Ignore';

/** Typed object operations over KubeRest: get, list, server-side apply, status patch, delete. */
export class KubeObjects {
  readonly paths: ResourcePaths;
  /** The user every request is made as (see {@link KubeObjects.as}); undefined: the kubeconfig's own. */
  readonly impersonate: string | undefined;
  /** false: no request is sent again on the API server's Retry-After (see {@link KubeObjects.withoutRetries}). */
  private readonly retry: boolean;

  constructor(readonly rest: KubeRest, options: { impersonate?: string; paths?: ResourcePaths; retry?: boolean } = {}) {
    this.paths = options.paths ?? new ResourcePaths(rest);
    this.impersonate = options.impersonate;
    this.retry = options.retry ?? true;
  }

  /**
   * The same operations made as `user` (impersonation): one connection pool, one discovery cache,
   * one request count. Discovery itself stays with the kubeconfig's identity (it reveals nothing
   * an environment may not know, and is cached across identities).
   */
  as(user: string): KubeObjects {
    return new KubeObjects(this.rest, { impersonate: user, paths: this.paths, retry: this.retry });
  }

  /**
   * The same operations, each answer final: a 429 or 5xx is not waited out and sent again
   * (engine/kube/retry.ts), for a caller that retries on its own schedule and must see a failure
   * before a deadline of its own (the leader election's renew deadline).
   */
  withoutRetries(): KubeObjects {
    return new KubeObjects(this.rest, { ...(this.impersonate ? { impersonate: this.impersonate } : {}), paths: this.paths, retry: false });
  }

  private call<T>(req: KubeRequest): Promise<T> {
    return this.rest.call<T>({ ...req, ...(this.impersonate ? { impersonate: this.impersonate } : {}), ...(this.retry ? {} : { retry: false }) });
  }

  async get<T = KubeObject>(ref: KubeObjectRef): Promise<T | undefined> {
    try {
      return await this.call<T>({ verb: 'get', method: 'GET', path: await this.paths.path(ref), ref });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T = KubeObject>(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<T[]> {
    return (await this.listAt<T>(apiVersion, kind, options)).items;
  }

  /**
   * A list with the resourceVersion it was served at (the first page's: the pages that follow are
   * of the same snapshot), to tell it from copies seen before or after it (a watch's, a write's).
   */
  async listAt<T = KubeObject>(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<{ items: T[]; resourceVersion: string | undefined }> {
    const r = await this.paths.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const path = r.namespaced && options.namespace ? `${base}/namespaces/${encodeURIComponent(options.namespace)}/${r.name}` : `${base}/${r.name}`;
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion: string | undefined;
    do {
      const page = await this.call<{ items: T[]; metadata?: { continue?: string; resourceVersion?: string } }>({
        verb: 'list', method: 'GET', path, query: { labelSelector: options.labelSelector, limit: 500, continue: cont },
      });
      for (const item of page.items) items.push({ ...(item as object), apiVersion, kind } as T);
      cont = page.metadata?.continue || undefined;
      resourceVersion ??= page.metadata?.resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** Creates (POST); a 409 means the name is taken. Used where apply does not fit (Events: new name each time). */
  async create<T = KubeObject>(obj: KubeObject): Promise<T> {
    const ref = refOf(obj);
    const { name: _name, ...collection } = ref;
    return this.call<T>({ verb: 'create', method: 'POST', path: await this.paths.path(collection), ref, body: obj });
  }

  /** Replaces (PUT) with optimistic concurrency: with the object's resourceVersion, a 409 says someone wrote since it was read. */
  async replace<T = KubeObject>(obj: KubeObject): Promise<T> {
    const ref = refOf(obj);
    return this.call<T>({ verb: 'update', method: 'PUT', path: await this.paths.path(ref), ref, body: obj });
  }

  /** Whether this client's user may do `verb` on `resource` (SelfSubjectAccessReview: any user may ask about itself). */
  async allowed(attributes: { verb: string; group?: string; resource: string; namespace?: string; name?: string }): Promise<boolean> {
    const review = await this.call<{ status?: { allowed?: boolean } }>({ verb: 'create', method: 'POST', path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attributes } } });
    return review.status?.allowed === true;
  }

  /**
   * Server-side apply. `force` takes fields other managers own; without it a conflict is a 409 naming them.
   * `fieldValidation=Ignore` (see {@link APPLY_FIELD_VALIDATION}).
   */
  async apply<T = KubeObject>(obj: KubeObject, options: { force?: boolean; dryRun?: boolean; fieldManager?: string } = {}): Promise<T> {
    const ref = refOf(obj);
    return this.call<T>({
      verb: 'apply', method: 'PATCH', path: await this.paths.path(ref), ref, body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: options.force ? true : undefined, dryRun: options.dryRun ? 'All' : undefined,
        fieldValidation: APPLY_FIELD_VALIDATION },
    });
  }

  /** Server-side apply of the status subresource (only the fields given are owned). */
  async applyStatus<T = KubeObject>(obj: KubeObject, fieldManager = FIELD_MANAGER): Promise<T> {
    const ref = refOf(obj);
    return this.call<T>({
      verb: 'apply', method: 'PATCH', path: `${await this.paths.path(ref)}/status`, ref, body: obj,
      contentType: 'application/apply-patch+yaml', query: { fieldManager, force: true, fieldValidation: APPLY_FIELD_VALIDATION },
    });
  }

  /** JSON merge patch (used for finalizers, where apply would fight other owners). */
  async mergePatch<T = KubeObject>(ref: KubeObjectRef, patch: unknown): Promise<T> {
    return this.call<T>({ verb: 'patch', method: 'PATCH', path: await this.paths.path(ref), ref, body: patch, contentType: 'application/merge-patch+json' });
  }

  /**
   * Deletes; a missing object is not an error. Background propagation lets the GC remove
   * dependents. With `uid`, only that very object is deleted (the server answers 409 when the name
   * now belongs to another one): what was checked before the delete is what gets deleted.
   */
  async delete(ref: KubeObjectRef, propagationPolicy: 'Background' | 'Foreground' = 'Background', options: { uid?: string } = {}): Promise<boolean> {
    return (await this.deleteAnswered(ref, propagationPolicy, options)) !== undefined;
  }

  /**
   * delete(), with the server's answer: the object as deleted (its resourceVersion is the
   * deletion's), or as it is now when finalizers hold it. Undefined: it was not there.
   */
  async deleteAnswered<T = KubeObject>(ref: KubeObjectRef, propagationPolicy: 'Background' | 'Foreground' = 'Background', options: { uid?: string } = {}): Promise<T | undefined> {
    const preconditions = options.uid ? { preconditions: { uid: options.uid } } : {};
    try {
      return await this.call<T>({ verb: 'delete', method: 'DELETE', path: await this.paths.path(ref), ref, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy, ...preconditions } }) ?? ({} as T);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
}
