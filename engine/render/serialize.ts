import { stringify } from 'yaml';
import type { KubeObject } from './types.js';

/**
 * Multi-document YAML. Keys keep the order the renderers wrote them in (already stable); long
 * strings are not folded and no anchors/aliases are emitted, so the text is byte-stable and any
 * YAML reader (kubectl included) reads it back identically.
 */
export function toYaml(objects: KubeObject[]): string {
  return objects.map((o) => `---\n${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('');
}

export function toJson(objects: KubeObject[]): string {
  return `${JSON.stringify(objects, null, 2)}\n`;
}
