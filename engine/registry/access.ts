/**
 * How the engine reaches the registry an image is pushed to, from ria.yaml: over plain HTTP when
 * Kaniko pushes there over plain HTTP (its `--insecure` / `--insecure-registry=HOST`), without
 * TLS verification when Kaniko skips it, at `builder.registryEndpoint` when the registry's name
 * means another host from the engine's network. One source of truth: Kaniko's own flags. Pure.
 */
import type { Settings } from '../config/types.js';
import { DOCKER_HUB, DOCKER_HUB_API } from './image-ref.js';

export interface RegistryAccess { baseUrl: string; verifyTls: boolean }

function hostOf(registrySetting: string | undefined): string | undefined {
  if (!registrySetting) return undefined;
  const first = registrySetting.split('/')[0]!;
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : undefined;
}

export function registryAccess(settings: Pick<Settings, 'registry' | 'builder'>, host: string): RegistryAccess {
  const args = settings.builder.extraArgs ?? [];
  const flag = (name: string) => args.includes(`--${name}`) || args.includes(`--${name}=true`);
  const forHost = (name: string) => args.includes(`--${name}=${host}`);
  const verifyTls = !(flag('skip-tls-verify') || forHost('skip-tls-verify-registry'));
  const endpoint = settings.builder.registryEndpoint;
  if (endpoint && hostOf(settings.registry) === host) return { baseUrl: endpoint.replace(/\/$/, ''), verifyTls };
  const plain = flag('insecure') || forHost('insecure-registry');
  return { baseUrl: `${plain ? 'http' : 'https'}://${host === DOCKER_HUB ? DOCKER_HUB_API : host}`, verifyTls };
}
