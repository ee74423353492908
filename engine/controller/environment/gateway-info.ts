/**
 * What Ria knows about the Gateway its routes attach to: whether a controller serves it (then
 * Ready waits for each HTTPRoute's Accepted/ResolvedRefs) and which Gateway API features that
 * controller declares (GatewayClass `status.supportedFeatures`), so render can warn about route
 * features the gateway would not serve instead of dropping them silently.
 *
 * Whether a controller is expected: `gateway.served` in ria.yaml when set; otherwise a controller
 * serves the Gateway when its GatewayClass is Accepted (a class nobody implements, as in `ria dev`
 * on simulated nodes, is never accepted: today's behaviour, and the Environment says so).
 */
import type { KubeObjects } from '../../kube/objects.js';
import type { Settings } from '../../config/types.js';

export interface GatewayInfo {
  served: boolean;
  /** Why routes are or are not waited for (the RoutesServed condition's message). */
  message: string;
  /** Gateway API feature names the controller declares; undefined when it declares none. */
  supportedFeatures?: string[];
}

interface Condition { type: string; status: string; reason?: string }
type GatewaySettings = NonNullable<Settings['gateway']>;

const TTL_MS = 10_000;
/** Per client: one read of the Gateway and its class per 10 s, not one per reconcile. */
const cache = new WeakMap<KubeObjects, { key: string; at: number; info: Promise<GatewayInfo> }>();

export function gatewayInfo(objects: KubeObjects, gateway: GatewaySettings, now: number): Promise<GatewayInfo> {
  const key = JSON.stringify(gateway);
  const hit = cache.get(objects);
  if (hit && hit.key === key && now - hit.at < TTL_MS) return hit.info;
  const info = readGatewayInfo(objects, gateway);
  cache.set(objects, { key, at: now, info });
  // A failed read is not remembered: the next reconcile asks again.
  info.catch(() => { if (cache.get(objects)?.info === info) cache.delete(objects); });
  return info;
}

async function readGatewayInfo(objects: KubeObjects, gateway: GatewaySettings): Promise<GatewayInfo> {
  const where = `Gateway ${gateway.namespace}/${gateway.name}`;
  const gw = await objects.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: gateway.namespace, name: gateway.name });
  const className = (gw?.spec as { gatewayClassName?: string } | undefined)?.gatewayClassName;
  const gc = className ? await objects.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: className }) : undefined;
  const status = (gc?.status ?? {}) as { conditions?: Condition[]; supportedFeatures?: Array<string | { name: string }> };
  const features = status.supportedFeatures?.map((f) => (typeof f === 'string' ? f : f.name)).sort();
  const accepted = status.conditions?.some((c) => c.type === 'Accepted' && c.status === 'True') ?? false;
  const controller = (gc?.spec as { controllerName?: string } | undefined)?.controllerName;
  const withFeatures = features && features.length > 0 ? { supportedFeatures: features } : {};
  if (gateway.served === false) return { served: false, message: `gateway.served is false in ria.yaml: routes on ${where} are not checked`, ...withFeatures };
  if (gateway.served === true) return { served: true, message: `routes wait for ${where} (gateway.served in ria.yaml)`, ...withFeatures };
  if (!gw) return { served: false, message: `${where} does not exist: routes are recorded, not served` };
  if (!accepted) {
    return { served: false, message: `GatewayClass ${className ?? '(none)'} of ${where} is not accepted by a controller${controller ? ` (${controller})` : ''}: routes are recorded, not served` };
  }
  return { served: true, message: `${where} is served by ${controller}`, ...withFeatures };
}
