import { stringify } from 'yaml';
import type { KubeObject } from './types.js';

/**
 * Multi-document YAML. Keys keep the order the renderers wrote them in (already stable); long
 * strings are not folded and no anchors/aliases are emitted, so the text is byte-stable. Strings
 * are quoted by YAML 1.1 rules because kubectl's reader is YAML 1.1: there an unquoted `N`, `yes`
 * or `on` is a boolean (an env var named N became `name: false` and kubectl refused it).
 */
export function toYaml(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

export function toJson(objects: KubeObject[]): string {
  return `${JSON.stringify(objects, null, 2)}\n`;
}
