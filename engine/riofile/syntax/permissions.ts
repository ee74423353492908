import type { Permission } from '../model.js';
import { fail, ok, type Parsed } from './result.js';

export const PERMISSION_SYNTAX = "'[VERBS] [GROUP/]RESOURCE [NAMES]', 'role=ROLE' or 'VERBS url=/PATH'";
/** A lone resource grants these (Rio's `read`). */
export const READ_VERBS = ['get', 'list', 'watch'];
export const WRITE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const VERB = /^([a-z]+|\*)$/;
const GROUP = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*|\*)?$/;
const RESOURCE = /^([a-z0-9][-a-z0-9.]*|\*)(\/([a-z0-9][-a-z0-9.]*|\*))?$/;
const NAME = /^[-.:a-zA-Z0-9]+$/;

/**
 * Parses Rio's permission strings:
 * `'create,get,list certmanager.k8s.io/*'`, `'* configmaps'`, `'secrets'` (read), `'get /pods/log'`
 * (core group subresource), `'get,update configmaps my-config'`, `'role=cluster-admin'`, `'get url=/healthz'`.
 */
export function parsePermission(spec: string): Parsed<Permission> {
  const text = spec.trim();
  if (text.startsWith('role=')) {
    const role = text.slice('role='.length).trim();
    if (!/^[-.:a-zA-Z0-9]+$/.test(role)) return fail(`"${role}" is not a role name`, 'role=NAME');
    return ok({ verbs: [], apiGroup: '', resource: '', role });
  }
  const words = text.replace(/^rule=/, '').split(/\s+/).filter(Boolean);
  const urls = words.filter((w) => w.startsWith('url='));
  const parts = words.filter((w) => !w.startsWith('url='));
  if (urls.length > 1) return fail('more than one url=', PERMISSION_SYNTAX);
  if (parts.length === 0 && urls.length === 0) return fail('empty permission', PERMISSION_SYNTAX);
  if (parts.length > 3) return fail(`${parts.length} words; a permission has at most verbs, resource and names`, PERMISSION_SYNTAX);

  if (urls.length === 1) {
    const url = urls[0]!.slice('url='.length);
    if (!url.startsWith('/')) return fail(`url "${url}" must start with "/"`, 'VERBS url=/PATH');
    if (parts.length > 1) return fail('a url= permission takes only verbs', 'VERBS url=/PATH');
    const verbs = parts.length === 1 ? parseVerbs(parts[0]!) : READ_VERBS;
    if (typeof verbs === 'string') return fail(verbs, PERMISSION_SYNTAX);
    return ok({ verbs, apiGroup: '', resource: '', nonResourceURL: url });
  }

  const [first, second, third] = parts as [string, string?, string?];
  if (second === undefined && first.includes(',')) return fail(`"${first}" looks like verbs but no resource follows`, PERMISSION_SYNTAX);
  const verbs = second === undefined ? READ_VERBS : parseVerbs(first);
  if (typeof verbs === 'string') return fail(verbs, PERMISSION_SYNTAX);
  const target = second ?? first;
  // Rio splits at the first "/": before it is the API group ('' = core), after it the resource.
  const slash = target.indexOf('/');
  const apiGroup = slash < 0 ? '' : target.slice(0, slash);
  const resource = slash < 0 ? target : target.slice(slash + 1);
  if (!GROUP.test(apiGroup)) return fail(`"${apiGroup}" is not an API group`, 'a group like apps or cert-manager.io');
  if (!RESOURCE.test(resource)) return fail(resource === '' ? `no resource after "${target}"` : `"${resource}" is not a resource`, 'a plural resource like pods, deployments or pods/log');
  const permission: Permission = { verbs, apiGroup, resource };
  if (third !== undefined) {
    const names = third.split(',');
    const bad = names.find((n) => !NAME.test(n));
    if (bad !== undefined) return fail(`"${bad}" is not a resource name`, 'comma-separated object names');
    permission.resourceNames = names;
  }
  return ok(permission);
}

function parseVerbs(word: string): string[] | string {
  if (word === 'read') return [...READ_VERBS];
  if (word === 'write') return [...WRITE_VERBS];
  const verbs = word.split(',').map((v) => v.trim());
  const bad = verbs.find((v) => !VERB.test(v));
  if (bad !== undefined) return `"${bad}" is not a verb`;
  return verbs;
}
