import { isMap, isScalar, isSeq, type Document } from 'yaml';

/**
 * Offsets of map keys that are collections (`? [a, b]: x`, `{a: 1}: x`). YAML allows them, a
 * Riofile (and JSON, and Kubernetes) cannot use them; `yaml` would silently turn them into strings.
 */
export function collectionKeys(doc: Document): number[] {
  const out: number[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        if (pair.key !== null && !isScalar(pair.key)) out.push((pair.key as { range?: [number, number, number] }).range?.[0] ?? 0);
        stack.push(pair.value);
      }
    } else if (isSeq(node)) stack.push(...node.items);
  }
  return out.sort((a, b) => a - b);
}
