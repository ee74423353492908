import { RiofileError, type RiofileIssue } from '../../riofile/errors.js';
import type { Riofile } from '../../riofile/model.js';
import type { AppSpec } from '../../crds/types.js';

/**
 * What a Riofile may ask for is decided by the config repo, never by the app repo: otherwise a
 * pull request could grant itself cluster rights. Returns a RiofileError naming the config key
 * to change, or undefined when the Riofile stays within what its app is allowed.
 */
export function checkPolicy(riofile: Riofile, spec: AppSpec, appName: string, file: string, source: string): RiofileError | undefined {
  const issues: RiofileIssue[] = [];
  for (const [name, service] of Object.entries(riofile.services)) {
    if (service.permissions?.length && !spec.allow?.permissions) {
      issues.push(issue(file, source, name, 'permissions', `service "${name}" asks for permissions, which app "${appName}" is not allowed: set "allow: { permissions: true }" in apps/${appName}.yaml of the config repository`));
    }
    if (service.globalPermissions?.length && !spec.allow?.globalPermissions) {
      issues.push(issue(file, source, name, 'globalPermissions', `service "${name}" asks for globalPermissions (cluster-wide rights), which app "${appName}" is not allowed: set "allow: { globalPermissions: true }" in apps/${appName}.yaml of the config repository`));
    }
  }
  return issues.length ? new RiofileError(issues) : undefined;
}

/** Finds the line of the key as written (any alias or snake_case spelling) under the service. */
function issue(file: string, source: string, service: string, key: 'permissions' | 'globalPermissions', message: string): RiofileIssue {
  const lines = source.split('\n');
  const serviceLine = lines.findIndex((l) => new RegExp(`^\\s*["']?${escape(service)}["']?\\s*:`).test(l));
  const spellings = key === 'permissions' ? 'permissions?' : 'global_?[pP]ermissions?';
  const keyRe = new RegExp(`^(\\s*)(${spellings})\\s*:`);
  let line = -1;
  let column = 1;
  for (let i = Math.max(0, serviceLine); i < lines.length; i++) {
    const m = keyRe.exec(lines[i]!);
    if (m) { line = i; column = m[1]!.length + 1; break; }
  }
  return { file, line: line >= 0 ? line + 1 : Math.max(1, serviceLine + 1), column, path: `services.${service}.${key}`, message, kind: 'RiofileInvalid' };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
