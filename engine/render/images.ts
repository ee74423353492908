import type { Build, Container } from '../riofile/model.js';
import type { RenderContext } from './context.js';
import { dnsLabel } from './names.js';

/** `image: ./` (or any relative path) means "build from this directory of the repository" (Rio's rule). */
export function isLocalPath(image: string | undefined): image is string {
  return image !== undefined && (image === '.' || image.startsWith('./') || image.startsWith('../'));
}

/**
 * The build a container needs, or undefined when it runs a published image. `image: ./dir` is a
 * build with context `dir`; no image at all builds the repository root, as `rio up` did for the
 * Riofile of the repository it ran in (rio-autoscaler's own Riofile relies on it).
 */
export function buildOf(container: Container): Build | undefined {
  if (container.build) return container.build;
  if (isLocalPath(container.image) || container.image === undefined || container.image === '') {
    return { dockerfile: 'Dockerfile', context: container.image || '.', args: {}, noCache: false, timeoutSeconds: 600, pr: false, tag: false };
  }
  return undefined;
}

/**
 * The image reference a build pushes and the workload runs: `<registry>/<app>-<service>:<commit>`.
 * The commit tag makes the reference immutable, so a Deployment always runs exactly what was built
 * for the commit it was rendered from. `build.pushRegistry` and `build.imageName` override (Rio's
 * fields); an imageName without a tag gets the commit as tag.
 */
export function builtImage(ctx: RenderContext, serviceKey: string, build: Build, sidecar?: string): string {
  const registry = (build.pushRegistry ?? ctx.cluster.registry).replace(/\/+$/, '');
  // A version per commit builds under its Riofile service's name: the commit tag tells versions apart.
  const key = ctx.versionSources.get(serviceKey)?.key ?? serviceKey;
  const name = build.imageName ?? dnsLabel([ctx.env.app, key, ...(sidecar ? [sidecar] : [])].join('-'));
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  const tagged = lastSegment.includes(':') || lastSegment.includes('@') ? name : `${name}:${ctx.commit}`;
  return `${registry}/${tagged}`;
}

/** The image a container runs: the built one when it has a build, else its own reference. */
export function containerImage(ctx: RenderContext, serviceKey: string, container: Container, sidecar?: string): string | undefined {
  const build = buildOf(container);
  return build ? builtImage(ctx, serviceKey, build, sidecar) : container.image;
}
