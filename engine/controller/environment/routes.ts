/**
 * Whether the gateway serves an environment's HTTPRoutes, from the conditions the gateway writes
 * on each route (Gateway API: `status.parents[]`, one entry per parent and controller). A route is
 * served when, for Ria's Gateway, `Accepted` and `ResolvedRefs` are True at the route's current
 * generation. Pure: the caller reads the routes.
 */
import type { KubeObject } from '../../kube/objects.js';

export interface GatewayRef { namespace: string; name: string }

export type RouteState =
  /** Accepted and references resolved at the current generation. */
  | { state: 'served'; route: string }
  /** The gateway has not (yet) written conditions for this generation. */
  | { state: 'pending'; route: string; message: string }
  /** The gateway refused the route or cannot resolve its backends: its reason and message. */
  | { state: 'rejected'; route: string; condition: string; reason: string; message: string };

interface RouteCondition { type: string; status: string; reason?: string; message?: string; observedGeneration?: number }
interface ParentStatus { parentRef?: { name?: string; namespace?: string; kind?: string; group?: string }; conditions?: RouteCondition[] }

const GATEWAY_GROUP = 'gateway.networking.k8s.io';

/**
 * Is `ref` (a route's parentRef, or a status entry's) Ria's Gateway? Gateway API's defaults:
 * group gateway.networking.k8s.io, kind Gateway, the route's namespace. A `Gateway` kind of
 * another group is another object, whatever its name.
 */
function isGatewayRef(ref: ParentStatus['parentRef'] | undefined, routeNamespace: string | undefined, gateway: GatewayRef): boolean {
  const r = ref ?? {};
  if ((r.group ?? GATEWAY_GROUP) !== GATEWAY_GROUP || (r.kind ?? 'Gateway') !== 'Gateway') return false;
  return r.name === gateway.name && (r.namespace ?? routeNamespace) === gateway.namespace;
}

/** An HTTPRoute of the Gateway API (a custom resource of another group may have the same kind). */
function isHttpRoute(o: KubeObject): boolean {
  return o.kind === 'HTTPRoute' && o.apiVersion.split('/')[0] === GATEWAY_GROUP;
}

export function routeState(route: KubeObject, gateway: GatewayRef): RouteState {
  const name = `HTTPRoute ${route.metadata.name}`;
  const generation = route.metadata.generation ?? 0;
  const parents = ((route.status ?? {}) as { parents?: ParentStatus[] }).parents ?? [];
  const parent = parents.find((p) => isGatewayRef(p.parentRef, route.metadata.namespace, gateway));
  const waiting = `${name}: not yet accepted by Gateway ${gateway.namespace}/${gateway.name}`;
  if (!parent) return { state: 'pending', route: name, message: waiting };
  const conditions = parent.conditions ?? [];
  const current = (type: string) => conditions.find((c) => c.type === type && (c.observedGeneration === undefined || c.observedGeneration >= generation));
  // Either condition False at the current generation is the gateway's verdict, whatever the other says.
  for (const type of ['Accepted', 'ResolvedRefs']) {
    const c = current(type);
    if (c?.status === 'False') {
      return { state: 'rejected', route: name, condition: type, reason: c.reason ?? 'Unknown', message: c.message ?? '' };
    }
  }
  if (current('Accepted')?.status === 'True' && current('ResolvedRefs')?.status === 'True') return { state: 'served', route: name };
  return { state: 'pending', route: name, message: waiting };
}

/**
 * The environment's HTTPRoutes (Gateway API's, by group too) attached to `gateway` (routes of an
 * internal router have a Service parent). A custom resource of kind HTTPRoute of another group is
 * no route the gateway writes status on: waiting for it would keep RoutesServed pending for good.
 */
export function gatewayRoutes(objects: readonly KubeObject[], gateway: GatewayRef): KubeObject[] {
  return objects.filter((o) => isHttpRoute(o) && ((o.spec ?? {}) as { parentRefs?: ParentStatus['parentRef'][] }).parentRefs
    ?.some((p) => isGatewayRef(p, o.metadata.namespace, gateway)));
}

/** One line for a rejected route, as users read it in `ria ps` and kubectl. */
export function rejectionMessage(r: Extract<RouteState, { state: 'rejected' }>, gateway: GatewayRef): string {
  return `${r.route}: Gateway ${gateway.namespace}/${gateway.name} says ${r.condition}=False (${r.reason})${r.message ? `: ${r.message}` : ''}`;
}
