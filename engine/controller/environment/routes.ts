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

/** Is `parent` (a route status entry) Ria's Gateway? parentRef.namespace defaults to the route's. */
function isGateway(parent: ParentStatus, routeNamespace: string | undefined, gateway: GatewayRef): boolean {
  const ref = parent.parentRef ?? {};
  if ((ref.kind ?? 'Gateway') !== 'Gateway') return false;
  return ref.name === gateway.name && (ref.namespace ?? routeNamespace) === gateway.namespace;
}

export function routeState(route: KubeObject, gateway: GatewayRef): RouteState {
  const name = `HTTPRoute ${route.metadata.name}`;
  const generation = route.metadata.generation ?? 0;
  const parents = ((route.status ?? {}) as { parents?: ParentStatus[] }).parents ?? [];
  const parent = parents.find((p) => isGateway(p, route.metadata.namespace, gateway));
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

/** The environment's routes attached to `gateway` (routes of an internal router have a Service parent). */
export function gatewayRoutes(objects: readonly KubeObject[], gateway: GatewayRef): KubeObject[] {
  return objects.filter((o) => o.kind === 'HTTPRoute' && ((o.spec ?? {}) as { parentRefs?: ParentStatus['parentRef'][] }).parentRefs
    ?.some((p) => (p?.kind ?? 'Gateway') === 'Gateway' && p?.name === gateway.name && (p?.namespace ?? o.metadata.namespace) === gateway.namespace));
}

/** One line for a rejected route, as users read it in `ria ps` and kubectl. */
export function rejectionMessage(r: Extract<RouteState, { state: 'rejected' }>, gateway: GatewayRef): string {
  return `${r.route}: Gateway ${gateway.namespace}/${gateway.name} says ${r.condition}=False (${r.reason})${r.message ? `: ${r.message}` : ''}`;
}
