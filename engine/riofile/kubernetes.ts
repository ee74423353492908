import { isMap, isScalar, parseAllDocuments, Scalar, type Document } from 'yaml';
import { lineIndex, lineStarts, type IssueCollector } from './locate.js';
import { RiofileErrorCode } from './errors.js';
import type { KubernetesObject } from './model.js';
import { describeValue, type Path } from './path.js';
import { LimitCode, LIMITS } from './limits.js';
import { DUPLICATE_KEY_MESSAGE, keyProblems } from './yaml-keys.js';

/** True when the documents are plain Kubernetes objects rather than a Riofile (Rio applied those as-is). */
export function looksLikeKubernetes(docs: Document[]): boolean {
  const contents = docs.filter((d) => d.contents !== null);
  if (contents.length === 0) return false;
  const first = contents[0]!.contents;
  return isMap(first) && first.has('kind') && first.has('apiVersion');
}

/**
 * Objects from YAML documents. `toOffset` maps an offset inside `text` to an offset in the parsed
 * file, so a mistake inside `kubernetes.manifest` is reported at its own line of the Riofile.
 */
export function parseObjects(text: string, path: Path, issues: IssueCollector, toOffset: (offset: number) => number): KubernetesObject[] {
  // uniqueKeys: false because yaml's check is quadratic; keyProblems finds duplicates in one pass.
  const docs = parseAllDocuments(text, { uniqueKeys: false, logLevel: 'error' });
  const list = Array.isArray(docs) ? docs : [];
  const out: KubernetesObject[] = [];
  list.forEach((doc, index) => {
    const where = [...path, `document ${index + 1}`];
    for (const error of doc.errors) {
      issues.addAt(() => toOffset(error.pos[0]), where, yamlMessage(error.message), { kind: RiofileErrorCode.Syntax });
    }
    const duplicates = keyProblems(doc).duplicateKeys;
    for (const offset of duplicates) issues.addAt(() => toOffset(offset), where, DUPLICATE_KEY_MESSAGE, { kind: RiofileErrorCode.Syntax });
    if (doc.errors.length > 0 || duplicates.length > 0 || doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
    } catch {
      // toJS throws only for alias expansion past maxAliasCount (a possible alias bomb).
      issues.addAt(toOffset(doc.range[0]), where, `too many YAML aliases (more than ${LIMITS.maxAliasCount})`, { kind: RiofileErrorCode.Limit, code: LimitCode.TooManyAliases });
      return;
    }
    if (value === null || value === undefined) return; // a document with only comments, e.g. after a trailing ---
    const obj = value as Record<string, unknown>;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') {
      issues.addAt(toOffset(doc.contents.range?.[0] ?? 0), where, 'not a Kubernetes object: apiVersion and kind are required strings', {
        found: describeValue(value),
        expected: 'a map with apiVersion and kind',
      });
      return;
    }
    out.push(obj as KubernetesObject);
  });
  return out;
}

/** `yaml` messages end with " at line N, column M:" and a code excerpt; our issues carry the position already. */
export function yamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * For a block scalar (`manifest: |-`), line N of the value is line N after the header, indented by
 * the block's indentation; other scalar styles map to the value's start.
 */
export function blockScalarOffsets(fileText: string, node: unknown): (offset: number) => number {
  if (!isScalar(node) || !node.range) return () => 0;
  const start = node.range[0];
  if (node.type !== Scalar.BLOCK_LITERAL && node.type !== Scalar.BLOCK_FOLDED) return () => start;
  const valueText = String(node.value);
  const contentStart = fileText.indexOf('\n', start) + 1;
  const firstLine = /^( *)\S/m.exec(fileText.slice(contentStart, node.range[1]));
  const indent = firstLine ? firstLine[1]!.length : 0;
  const fileLineStarts = [contentStart];
  for (let i = contentStart; i < node.range[1]; i++) if (fileText[i] === '\n') fileLineStarts.push(i + 1);
  // Line starts of the value, found once: each mapped offset is then a binary search, not a
  // split of the text before it (that was quadratic in the problems of a large manifest).
  const valueLineStarts = lineStarts(valueText);
  return (offset) => {
    const lo = lineIndex(valueLineStarts, offset);
    const column = offset - valueLineStarts[lo]!;
    const lineStart = fileLineStarts[Math.min(lo, fileLineStarts.length - 1)] ?? contentStart;
    return lineStart + indent + column;
  };
}
