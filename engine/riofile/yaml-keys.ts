import { isMap, isScalar, isSeq, type Document } from 'yaml';

export interface KeyProblems {
  /**
   * Offsets of map keys that are collections (`? [a, b]: x`, `{a: 1}: x`) or aliases. YAML allows
   * them, a Riofile (and JSON, and Kubernetes) cannot use them; `yaml` would silently turn them
   * into strings.
   */
  collectionKeys: number[];
  /** Offsets of keys repeated in their map (the second and later ones). */
  duplicateKeys: number[];
}

/** The message `yaml` gives a duplicate key with `uniqueKeys: true`; kept so errors read the same. */
export const DUPLICATE_KEY_MESSAGE = 'Map keys must be unique';

const NULL_KEY = Symbol('null key');

/**
 * One iterative pass over the document (a loop and an explicit stack: a 300k-item list once
 * overflowed the call stack through `stack.push(...items)`). Duplicate keys are found here with
 * a Set per map, because `yaml`'s own `uniqueKeys` compares each key with every earlier one:
 * quadratic, 10,000 keys in one map took seconds and 50,000 minutes. Parse with
 * `uniqueKeys: false` and call this instead.
 */
export function keyProblems(doc: Document): KeyProblems {
  const out: KeyProblems = { collectionKeys: [], duplicateKeys: [] };
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key as unknown;
        if (key !== null && !isScalar(key)) out.collectionKeys.push((key as { range?: [number, number, number] }).range?.[0] ?? 0);
        else {
          // Same equality as yaml's uniqueKeys: scalar values compared with ===.
          const value = key === null ? NULL_KEY : (key.value ?? NULL_KEY);
          if (seen.has(value)) out.duplicateKeys.push(key?.range?.[0] ?? 0);
          else seen.add(value);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  out.collectionKeys.sort((a, b) => a - b);
  out.duplicateKeys.sort((a, b) => a - b);
  return out;
}
