import type { KubeRest } from './rest.js';
import { ResourcePaths } from './resources.js';
import { isNotFound, type KubeObjectRef } from './errors.js';

export const FIELD_MANAGER = 'ria';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>;
    resourceVersion?: string; generation?: number; uid?: string; deletionTimestamp?: string; finalizers?: string[];
    managedFields?: Array<{ manager?: string; operation?: string; subresource?: string }>; [key: string]: unknown };
  [key: string]: unknown;
}

export function refOf(obj: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): KubeObjectRef {
  return { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) };
}

/** Typed object operations over KubeRest: get, list, server-side apply, status patch, delete. */
export class KubeObjects {
  readonly paths: ResourcePaths;

  constructor(readonly rest: KubeRest) {
    this.paths = new ResourcePaths(rest);
  }

  async get<T = KubeObject>(ref: KubeObjectRef): Promise<T | undefined> {
    try {
      return await this.rest.call<T>({ verb: 'get', method: 'GET', path: await this.paths.path(ref), ref });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T = KubeObject>(apiVersion: string, kind: string, options: { namespace?: string; labelSelector?: string } = {}): Promise<T[]> {
    const r = await this.paths.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const path = r.namespaced && options.namespace ? `${base}/namespaces/${encodeURIComponent(options.namespace)}/${r.name}` : `${base}/${r.name}`;
    const items: T[] = [];
    let cont: string | undefined;
    do {
      const page = await this.rest.call<{ items: T[]; metadata?: { continue?: string } }>({
        verb: 'list', method: 'GET', path, query: { labelSelector: options.labelSelector, limit: 500, continue: cont },
      });
      for (const item of page.items) items.push({ ...(item as object), apiVersion, kind } as T);
      cont = page.metadata?.continue || undefined;
    } while (cont);
    return items;
  }

  /** Creates (POST); a 409 means the name is taken. Used where apply does not fit (Events: new name each time). */
  async create<T = KubeObject>(obj: KubeObject): Promise<T> {
    const ref = refOf(obj);
    const { name: _name, ...collection } = ref;
    return this.rest.call<T>({ verb: 'create', method: 'POST', path: await this.paths.path(collection), ref, body: obj });
  }

  /** Server-side apply. `force` takes fields other managers own; without it a conflict is a 409 naming them. */
  async apply<T = KubeObject>(obj: KubeObject, options: { force?: boolean; dryRun?: boolean; fieldManager?: string } = {}): Promise<T> {
    const ref = refOf(obj);
    return this.rest.call<T>({
      verb: 'apply', method: 'PATCH', path: await this.paths.path(ref), ref, body: obj,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: options.fieldManager ?? FIELD_MANAGER, force: options.force ? true : undefined, dryRun: options.dryRun ? 'All' : undefined },
    });
  }

  /** Server-side apply of the status subresource (only the fields given are owned). */
  async applyStatus<T = KubeObject>(obj: KubeObject, fieldManager = FIELD_MANAGER): Promise<T> {
    const ref = refOf(obj);
    return this.rest.call<T>({
      verb: 'apply', method: 'PATCH', path: `${await this.paths.path(ref)}/status`, ref, body: obj,
      contentType: 'application/apply-patch+yaml', query: { fieldManager, force: true },
    });
  }

  /** JSON merge patch (used for finalizers, where apply would fight other owners). */
  async mergePatch<T = KubeObject>(ref: KubeObjectRef, patch: unknown): Promise<T> {
    return this.rest.call<T>({ verb: 'patch', method: 'PATCH', path: await this.paths.path(ref), ref, body: patch, contentType: 'application/merge-patch+json' });
  }

  /** Deletes; a missing object is not an error. Background propagation lets the GC remove dependents. */
  async delete(ref: KubeObjectRef, propagationPolicy: 'Background' | 'Foreground' = 'Background'): Promise<boolean> {
    try {
      await this.rest.call({ verb: 'delete', method: 'DELETE', path: await this.paths.path(ref), ref, body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy } });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}
