import type { KubeRest } from './rest.js';
import { KubeApiError, type KubeObjectRef } from './errors.js';

interface ApiResource { name: string; kind: string; namespaced: boolean }

/**
 * Maps (apiVersion, kind) to the REST path of its resource using API discovery, cached per
 * group-version for the life of the process (a kind the server does not know is an error the
 * user can act on: "no HTTPRoute in gateway.networking.k8s.io/v1: is the Gateway API installed?").
 */
export class ResourcePaths {
  private readonly cache = new Map<string, Promise<ApiResource[]>>();

  constructor(private readonly rest: KubeRest) {}

  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    let resources = this.cache.get(apiVersion);
    if (!resources) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      resources = this.rest.call<{ resources: ApiResource[] }>({ verb: 'get', method: 'GET', path: base })
        .then((list) => list.resources.filter((r) => !r.name.includes('/')));
      this.cache.set(apiVersion, resources);
      resources.catch(() => this.cache.delete(apiVersion));
    }
    const found = (await resources.catch((err: unknown) => {
      if (err instanceof KubeApiError && err.status === 404) return [];
      throw err;
    })).find((r) => r.kind === kind);
    if (!found) {
      throw new KubeApiError('discover', undefined, 404, `the API server has no ${kind} in ${apiVersion} (is its CRD installed?)`, 'NotFound');
    }
    return found;
  }

  /** Forget discovery results (after installing CRDs). */
  reset(): void {
    this.cache.clear();
  }

  /** Forget what discovery said of one group-version: the next question asks the server again. */
  forget(apiVersion: string): void {
    this.cache.delete(apiVersion);
  }

  /** Whether `apiVersion` serves `kind` (discovery; any answer but "not there" is thrown). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      await this.resource(apiVersion, kind);
      return true;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return false;
      throw err;
    }
  }

  /**
   * The version at which the API server serves `kind` of `apiVersion`'s group now: `apiVersion`
   * itself when it still does, else the group's preferred version, else its other versions in the
   * server's order, the first that serves the kind; undefined when none does (the kind is gone from
   * the API: its CRD removed, or a built-in kind the server no longer has). One object is served at
   * every version of its group, so this reaches the very object an older version wrote. Asks
   * the server afresh (the cache is for the life of the process; this is for what changed in it).
   */
  async servedVersion(apiVersion: string, kind: string): Promise<string | undefined> {
    this.forget(apiVersion);
    if (await this.serves(apiVersion, kind)) return apiVersion;
    const slash = apiVersion.indexOf('/');
    if (slash < 0) return undefined; // the core group has v1 alone
    let group: { versions?: Array<{ groupVersion: string }>; preferredVersion?: { groupVersion: string } };
    try {
      group = await this.rest.call({ verb: 'get', method: 'GET', path: `/apis/${apiVersion.slice(0, slash)}` });
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
    const candidates = [group.preferredVersion?.groupVersion, ...(group.versions ?? []).map((v) => v.groupVersion)];
    for (const gv of new Set(candidates)) {
      if (!gv || gv === apiVersion) continue;
      this.forget(gv);
      if (await this.serves(gv, kind)) return gv;
    }
    return undefined;
  }

  /** Collection path (`/apis/apps/v1/namespaces/ns/deployments`) or, with a name, the object path. */
  async path(ref: Omit<KubeObjectRef, 'name'> & { name?: string }): Promise<string> {
    const r = await this.resource(ref.apiVersion, ref.kind);
    const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    // Discovery alone says whether the object is namespaced. One that is but names no namespace is
    // refused: falling back to `default` would write an environment's object (a Role...) outside it.
    if (r.namespaced && !ref.namespace) {
      throw new KubeApiError('resolve', { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name ?? '' }, 400, `${ref.kind} is namespaced (API discovery) but the object has no namespace; refusing to default it`, 'NoNamespace');
    }
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(ref.namespace!)}` : '';
    return `${base}${ns}/${r.name}${ref.name ? `/${encodeURIComponent(ref.name)}` : ''}`;
  }

  async isNamespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)).namespaced;
  }
}
