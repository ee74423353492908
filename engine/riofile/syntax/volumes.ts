import type { HostPathType, Volume } from '../model.js';
import { DNS_LABEL, fail, ok, parseBoolWord, type Parsed } from './result.js';

export const VOLUME_SYNTAX = 'NAME:/PATH[,persistent], /HOSTPATH:/PATH[,hosttype=TYPE] or /PATH';
export const HOST_PATH_TYPES: readonly HostPathType[] = ['DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice'];

/** Case-insensitive, as Rio matched them. */
export function hostPathTypeOf(word: string): HostPathType | undefined {
  return HOST_PATH_TYPES.find((t) => t.toLowerCase() === word.toLowerCase());
}

/** Parses `rio-registry:/var/lib/registry,persistent=true`, `/var/run/docker.sock:/var/run/docker.sock`, `/data`. */
export function parseVolume(spec: string): Parsed<Volume> {
  const [head = '', ...options] = spec.split(',').map((s) => s.trim());
  const colon = head.indexOf(':');
  const source = colon < 0 ? undefined : head.slice(0, colon);
  const path = colon < 0 ? head : head.slice(colon + 1);
  let persistent = false;
  let hostPathType: HostPathType | undefined;
  for (const option of options) {
    const eq = option.indexOf('=');
    const key = (eq < 0 ? option : option.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : option.slice(eq + 1);
    if (key === 'persistent') {
      const flag = value === undefined ? true : parseBoolWord(value);
      if (flag === undefined) return fail(`"${option}" must be true or false`, 'persistent or persistent=true|false');
      persistent = flag;
    } else if (key === 'hosttype' || key === 'hostpathtype') {
      hostPathType = value === undefined ? undefined : hostPathTypeOf(value);
      if (!hostPathType) return fail(`"${option}" is not a host path type`, `hosttype=${HOST_PATH_TYPES.join('|')}`);
    } else {
      return fail(`unknown volume option "${option}"`, 'persistent[=true|false] or hosttype=TYPE');
    }
  }
  const volume: Partial<Volume> & { path: string; persistent: boolean } = { path, persistent };
  if (source !== undefined && source.startsWith('/')) volume.hostPath = source;
  else if (source !== undefined) volume.name = source;
  if (hostPathType) volume.hostPathType = hostPathType;
  return checkVolume(volume);
}

/** Checks a volume from either form; the object form arrives here too. */
export function checkVolume(volume: Volume): Parsed<Volume> {
  if (!volume.path.startsWith('/')) return fail(`mount path "${volume.path}" is not an absolute path`, VOLUME_SYNTAX);
  if (volume.name !== undefined && !DNS_LABEL.test(volume.name)) return fail(`volume name "${volume.name}" must be lowercase letters, digits and "-"`, VOLUME_SYNTAX);
  if (volume.hostPath !== undefined && volume.name !== undefined) return fail('a volume has either a name or a host path, not both', VOLUME_SYNTAX);
  if (volume.hostPath !== undefined && volume.persistent) return fail('a host path volume cannot be persistent', VOLUME_SYNTAX);
  if (volume.hostPathType !== undefined && volume.hostPath === undefined) return fail('hosttype needs a host path (/HOSTPATH:/PATH)', VOLUME_SYNTAX);
  if (volume.persistent && volume.name === undefined) return fail('a persistent volume needs a name', 'NAME:/PATH,persistent');
  return ok(volume);
}
