import { refOf, type KubeObject } from '../../kube/objects.js';
import type { Condition } from '../../crds/types.js';
import type { Settings } from '../../config/types.js';
import type { EngineContext } from '../context.js';
import { ConditionType, conditionMessage } from '../conditions.js';
import { Reason } from '../reasons.js';
import { workloadKey } from './apply.js';
import type { GatewayInfo } from './gateway-info.js';
import { gatewayRoutes, rejectionMessage, routeState, type RouteState } from './routes.js';

export interface RoutesServing {
  /** The `RoutesServed` condition of the Environment. */
  condition: Omit<Condition, 'lastTransitionTime'>;
  /** Routes the gateway has not accepted yet (or whose backends it has not found yet). */
  waiting: string[];
  /** The gateway refused a route: why, in its words. */
  rejected?: string;
}

/**
 * ResolvedRefs=False with BackendNotFound is what a gateway says in the moment between a new
 * Service and its first EndpointSlice: waited for, not a failure (it resolves by itself, and a
 * Service that never comes is already a render warning).
 */
const TRANSIENT = new Set(['BackendNotFound']);

/**
 * Reads the environment's routes on the Gateway (from the apply responses when there are, else
 * from the API server) and says whether the gateway serves them. Without a controller serving
 * the Gateway, routes are not waited for and the condition says so.
 */
export async function routesServing(ctx: EngineContext, objects: KubeObject[], gateway: NonNullable<Settings['gateway']>,
  info: GatewayInfo, live?: ReadonlyMap<string, KubeObject>): Promise<RoutesServing | undefined> {
  const routes = gatewayRoutes(objects, gateway);
  if (routes.length === 0) return undefined;
  if (!info.served) return { condition: { type: ConditionType.RoutesServed, status: 'Unknown', reason: Reason.NoGatewayController, message: conditionMessage(info.message) }, waiting: [] };
  const states: RouteState[] = await Promise.all(routes.map(async (r) => {
    const current = live?.get(workloadKey(refOf(r))) ?? await ctx.objects.get(refOf(r));
    return current ? routeState(current, gateway) : { state: 'pending' as const, route: `HTTPRoute ${r.metadata.name}`, message: `HTTPRoute ${r.metadata.name}: not found` };
  }));
  const rejected = states.filter((s): s is Extract<RouteState, { state: 'rejected' }> => s.state === 'rejected');
  const failing = rejected.filter((r) => !(r.condition === 'ResolvedRefs' && TRANSIENT.has(r.reason)));
  if (failing.length > 0) {
    const message = failing.map((r) => rejectionMessage(r, gateway)).join('; ');
    return { condition: { type: ConditionType.RoutesServed, status: 'False', reason: failing[0]!.reason, message: conditionMessage(message) }, waiting: [], rejected: message };
  }
  const waiting = [
    ...rejected.map((r) => rejectionMessage(r, gateway)),
    ...states.flatMap((s) => (s.state === 'pending' ? [s.message] : [])),
  ];
  if (waiting.length > 0) {
    return { condition: { type: ConditionType.RoutesServed, status: 'False', reason: Reason.RoutesPending, message: conditionMessage(waiting.join('; ')) }, waiting };
  }
  return {
    condition: { type: ConditionType.RoutesServed, status: 'True', reason: Reason.RoutesAccepted, message: `${routes.length} HTTPRoute${routes.length === 1 ? '' : 's'} accepted by Gateway ${gateway.namespace}/${gateway.name}` },
    waiting: [],
  };
}
