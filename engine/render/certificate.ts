import type { RenderContext } from './context.js';
import { metadata, scope } from './context.js';
import type { KubeObject } from './types.js';
import { joinLabel, appSlug } from './names.js';

/**
 * The cert-manager Certificate of an environment's custom domains (apps/<app>.yaml `domains`,
 * production environment only), from ria.yaml's `certificates.issuer`: one Certificate for all of
 * them, its Secret `<app>-domains-tls` in the environment's namespace (the Gateway's listener for
 * those hostnames references it). Rendered only when both are configured.
 */
export function renderCertificates(ctx: RenderContext): KubeObject[] {
  const custom = ctx.input.customDomains;
  if (!custom?.issuer || custom.hosts.length === 0) return [];
  const name = joinLabel([appSlug(ctx.env.app), 'domains']);
  return [{
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: metadata(ctx, name, scope(ctx)),
    spec: {
      secretName: joinLabel([name, 'tls']),
      dnsNames: [...custom.hosts].sort(),
      issuerRef: { group: 'cert-manager.io', kind: custom.issuer.kind, name: custom.issuer.name },
    },
  }];
}
