/**
 * Before a build Job is created: is `<registry>/<app>/<service>:<commit>` in the registry already?
 * Then there is nothing to build (a branch reset to an older commit, a second branch at the same
 * commit after the first's Job was cleaned up, an engine that lost its Jobs). Asked with the
 * credential the build would push with; any doubt (unreachable, refused) means: build.
 */
import type { EngineContext } from '../context.js';
import { parseImageRef } from '../../registry/image-ref.js';
import { registryAccess } from '../../registry/access.js';
import { credentialFor, type RegistryCredential } from '../../registry/docker-config.js';

export async function imageInRegistry(ctx: EngineContext, image: string, preview: boolean): Promise<boolean> {
  const settings = ctx.settings();
  if (!ctx.imageExists || settings.builder.reuseImages === false || !image) return false;
  const ref = parseImageRef(image);
  const secretName = preview ? settings.builder.previews?.pushSecret : settings.builder.pushSecret;
  let credential: RegistryCredential | undefined;
  if (secretName) {
    const secret = await ctx.objects.get<{ data?: Record<string, string> }>({ apiVersion: 'v1', kind: 'Secret', namespace: ctx.namespace, name: secretName }).catch(() => undefined);
    const json = secret?.data?.['.dockerconfigjson'];
    if (json) credential = credentialFor(Buffer.from(json, 'base64').toString('utf8'), ref.host);
  }
  const found = await ctx.imageExists(ref, { ...registryAccess(settings, ref.host), ...(credential ? { credential } : {}), timeoutMs: 5_000 });
  if (found === undefined) ctx.log.debug('could not tell whether the registry has the image; building it', { image });
  return found === true;
}
