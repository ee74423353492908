import type { Service } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { cachedLabels, metadata, scope, warn } from './context.js';
import type { KubeObject } from './types.js';
import { podLabels, selectorLabels, sortKeys } from './labels.js';
import { dnsLabel } from './names.js';
import { workloadName } from './apps.js';
import { containerImage } from './images.js';
import { renderContainer } from './container.js';
import { PodVolumes } from './volumes.js';
import { hasPermissions } from './rbac.js';

/**
 * The workload of one Riofile service: a Deployment, or a DaemonSet for `global: true` (Rio's
 * "one pod per node"). When `autoscale` is set, `replicas` is left out so the HPA alone owns it;
 * otherwise every apply would reset the HPA's choice.
 */
export function renderWorkload(ctx: RenderContext, key: string, service: Service): KubeObject {
  const path = `services.${key}`;
  const labelScope = scope(ctx, key, service);
  const selector = selectorLabels(ctx.env.app, key);
  const template = {
    metadata: {
      labels: podLabels(cachedLabels(ctx, labelScope), service.labels),
      ...(Object.keys(service.annotations).length > 0 ? { annotations: sortKeys(service.annotations) } : {}),
    },
    spec: podSpec(ctx, key, service),
  };
  const meta = metadata(ctx, workloadName(key), labelScope, { labels: service.labels, annotations: service.annotations });
  const rolling = {
    ...(service.maxSurge !== undefined ? { maxSurge: service.maxSurge } : {}),
    ...(service.maxUnavailable !== undefined ? { maxUnavailable: service.maxUnavailable } : {}),
  };
  const hasRolling = Object.keys(rolling).length > 0;
  if (service.global) {
    if (service.autoscale) warn(ctx, 'AutoscaleGlobal', `${path}.autoscale`, 'a global service runs one pod per node; autoscale is ignored');
    return {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta,
      spec: {
        selector: { matchLabels: selector },
        ...(hasRolling ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: rolling } } : {}),
        template,
      },
    };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta,
    spec: {
      ...(service.autoscale ? {} : { replicas: service.replicas }),
      selector: { matchLabels: selector },
      ...(hasRolling ? { strategy: { type: 'RollingUpdate', rollingUpdate: rolling } } : {}),
      template,
    },
  };
}

function podSpec(ctx: RenderContext, key: string, service: Service): Record<string, unknown> {
  const path = `services.${key}`;
  const volumes = new PodVolumes(ctx, key, service);
  const portNames = new Set<string>();
  const sidecar = (i: number) => {
    const c = service.containers[i]!;
    return renderContainer(ctx, `${path}.containers[${i}]`, dnsLabel(c.name), c, containerImage(ctx, key, c, c.name), volumes.mountsFor(c), portNames);
  };
  const main = renderContainer(ctx, path, workloadName(key), service, containerImage(ctx, key, service), volumes.mountsFor(service), portNames);
  const indexes = service.containers.map((_, i) => i);
  const initContainers = indexes.filter((i) => service.containers[i]!.init).map(sidecar);
  const containers = [main, ...indexes.filter((i) => !service.containers[i]!.init).map(sidecar)];
  const affinity = {
    ...(service.nodeAffinity ? { nodeAffinity: service.nodeAffinity } : {}),
    ...(service.podAffinity ? { podAffinity: service.podAffinity } : {}),
    ...(service.podAntiAffinity ? { podAntiAffinity: service.podAntiAffinity } : {}),
  };
  const dns = service.dns;
  const dnsConfig = dns && (dns.nameservers.length > 0 || dns.searches.length > 0 || dns.options.length > 0)
    ? {
        ...(dns.nameservers.length > 0 ? { nameservers: dns.nameservers } : {}),
        ...(dns.searches.length > 0 ? { searches: dns.searches } : {}),
        ...(dns.options.length > 0 ? { options: dns.options.map((o) => (o.value !== undefined ? { name: o.name, value: o.value } : { name: o.name })) } : {}),
      }
    : undefined;
  const podVolumes = volumes.list();
  return {
    // Only services that asked for permissions get an identity with a token; the rest get none.
    ...(hasPermissions(service) ? { serviceAccountName: workloadName(key) } : { automountServiceAccountToken: false }),
    ...(initContainers.length > 0 ? { initContainers } : {}),
    containers,
    ...(service.imagePullSecrets.length > 0 ? { imagePullSecrets: service.imagePullSecrets.map((name) => ({ name })) } : {}),
    ...(service.hostname !== undefined ? { hostname: service.hostname } : {}),
    ...(service.hostNetwork ? { hostNetwork: true } : {}),
    ...(service.hostAliases.length > 0 ? { hostAliases: service.hostAliases.map((h) => ({ ip: h.ip, hostnames: h.hostnames })) } : {}),
    ...(dns?.policy ? { dnsPolicy: dns.policy } : {}),
    ...(dnsConfig ? { dnsConfig } : {}),
    ...(Object.keys(affinity).length > 0 ? { affinity } : {}),
    ...(podVolumes.length > 0 ? { volumes: podVolumes } : {}),
  };
}
