import type { Build, Service } from '../riofile/model.js';
import { imageNameInApp } from '../render/images.js';
import type { Finding } from './finding.js';
import type { ModelPath } from './locate.js';

/**
 * A build fetches the app's repository with the config's clone credential and pushes to the
 * config's registry with the config's push credential. A Riofile that names its own would let
 * a pull request send the config's password to any host, or push over another app's image.
 * No `allow` key changes this: the config repository sets these values itself.
 */
export function buildFindings(app: string, appRepo: string, key: string, service: Service): Finding[] {
  const out: Finding[] = [];
  if (service.build) check(app, appRepo, ['services', key, 'build'], `service "${key}"`, service.build, out);
  service.containers.forEach((c, i) => {
    if (c.build) check(app, appRepo, ['services', key, 'containers', i, 'build'], `container "${c.name}" of service "${key}"`, c.build, out);
  });
  return out;
}

function check(app: string, appRepo: string, at: ModelPath, what: string, build: Build, out: Finding[]): void {
  const config = `apps/${app}.yaml of the config repository`;
  if (build.repo !== undefined && build.repo !== appRepo) {
    out.push({ path: [...at, 'repo'], message: `${what}: build.repo is not allowed: Ria builds the app's own repository (repo in ${config}); remove it` });
  }
  if (build.cloneSecretName !== undefined) {
    out.push({ path: [...at, 'cloneSecretName'], message: `${what}: build.cloneSecretName is not allowed: the clone credential is cloneSecret in ${config}; remove it` });
  }
  if (build.pushRegistry !== undefined) {
    out.push({ path: [...at, 'pushRegistry'], message: `${what}: build.pushRegistry is not allowed: images go to the registry of ria.yaml in the config repository; remove it` });
  }
  if (build.pushRegistrySecretName !== undefined) {
    out.push({ path: [...at, 'pushRegistrySecretName'], message: `${what}: build.pushRegistrySecretName is not allowed: the push credential is builder.pushSecret of ria.yaml in the config repository; remove it` });
  }
  if (build.imageName !== undefined && !imageNameInApp(app, build.imageName)) {
    out.push({ path: [...at, 'imageName'], message: `${what}: imageName "${build.imageName}" is outside the app's image path: use "${app}/<name>" without a tag (the tag is always the commit), or remove it` });
  }
}
