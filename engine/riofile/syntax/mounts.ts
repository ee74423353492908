import type { DataMount } from '../model.js';
import { DNS_SUBDOMAIN, fail, ok, type Parsed } from './result.js';

export const MOUNT_SYNTAX = 'NAME[/KEY][:/TARGET]';
const KEY = /^[-._a-zA-Z0-9]+$/;

/** Where Rio mounted a secret or config when no target was given. */
export function defaultMountTarget(kind: 'secret' | 'config', name: string, key?: string): string {
  const base = `/run/${kind}s/${name}`;
  return key === undefined ? base : `${base}/${key}`;
}

/** Parses `conf/index.html:/usr/share/nginx/html/index.html`. */
export function parseDataMount(spec: string, kind: 'secret' | 'config'): Parsed<DataMount> {
  const colon = spec.indexOf(':');
  const from = colon < 0 ? spec : spec.slice(0, colon);
  const target = colon < 0 ? undefined : spec.slice(colon + 1);
  const parts = from.split('/');
  if (parts.length > 2) return fail(`"${from}" has more than one "/"; the source is NAME or NAME/KEY`, MOUNT_SYNTAX);
  return buildDataMount(kind, parts[0]!, parts[1], target);
}

export function buildDataMount(kind: 'secret' | 'config', name: string, key: string | undefined, target: string | undefined): Parsed<DataMount> {
  if (!DNS_SUBDOMAIN.test(name)) return fail(`"${name}" is not a valid ${kind} name`, 'lowercase letters, digits, "-" and "."');
  if (key !== undefined && !KEY.test(key)) return fail(`"${key}" is not a valid key`, 'letters, digits, "-", "_" and "."');
  if (target !== undefined && !target.startsWith('/')) return fail(`target "${target}" is not an absolute path`, 'a path starting with "/"');
  const mount: DataMount = { name, target: target ?? defaultMountTarget(kind, name, key) };
  if (key !== undefined) mount.key = key;
  return ok(mount);
}
