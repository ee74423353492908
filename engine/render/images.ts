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
    return { dockerfile: 'Dockerfile', context: container.image || '.', args: {}, noCache: false, pr: false, tag: false };
  }
  return undefined;
}

/**
 * The image reference a build pushes and the workload runs: `<registry>/<app>/<service>:<commit>`
 * (a sidecar: `<service>-<sidecar>`); previews push under the config's preview path, with their
 * own credential. Only the config chooses the registry (and so which credential pushes where):
 * `build.imageName` may rename the image inside the app's path, never leave it, and the tag is
 * always the commit, so a Deployment runs exactly what was built for the commit it was rendered
 * from and one app can never overwrite another's images.
 */
export function builtImage(ctx: RenderContext, serviceKey: string, build: Build, sidecar?: string): string {
  const registry = (ctx.env.kind === 'pr' ? previewRegistry(ctx.cluster) : ctx.cluster.registry).replace(/\/+$/, '');
  // A version per commit builds under its Riofile service's name: the commit tag tells versions apart.
  const key = ctx.versionSources.get(serviceKey)?.key ?? serviceKey;
  const name = imageNameInApp(ctx.env.app, build.imageName) ?? `${dnsLabel(ctx.env.app)}/${dnsLabel([key, ...(sidecar ? [sidecar] : [])].join('-'))}`;
  return `${registry}/${name}:${ctx.commit}`;
}

/** Where preview images go: the config's preview registry path, else `<registry>/previews`. */
export function previewRegistry(cluster: { registry: string; builder?: { previewRegistry?: string } }): string {
  return cluster.builder?.previewRegistry ?? `${cluster.registry.replace(/\/+$/, '')}/previews`;
}

const IMAGE_PATH = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** `build.imageName` when it names an image under the app's own path (`<app>/...`, no tag), else undefined. */
export function imageNameInApp(app: string, imageName: string | undefined): string | undefined {
  if (imageName === undefined || !IMAGE_PATH.test(imageName)) return undefined;
  const [first, ...rest] = imageName.split('/');
  return first === dnsLabel(app) && rest.length > 0 ? imageName : undefined;
}

/** The image a container runs: the built one when it has a build, else its own reference. */
export function containerImage(ctx: RenderContext, serviceKey: string, container: Container, sidecar?: string): string | undefined {
  const build = buildOf(container);
  return build ? builtImage(ctx, serviceKey, build, sidecar) : container.image;
}
