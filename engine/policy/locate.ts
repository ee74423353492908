import { isMap, isScalar, isSeq, parseAllDocuments, type Document, type Pair } from 'yaml';
import { blockScalarOffsets } from '../riofile/kubernetes.js';
import { lineCounterMapper, type Position } from '../riofile/locate.js';
import { DEFS } from '../riofile/schema/build.js';
import { spellings } from '../riofile/schema/spec.js';

/** A path in the normalized model: canonical keys, list indexes (`kubernetes.manifest` by object). */
export type ModelPath = ReadonlyArray<string | number>;

/** Every spelling (alias, snake_case) of every canonical field name. */
const CANONICAL = (() => {
  const out = new Map<string, Set<string>>();
  for (const spec of Object.values(DEFS)) {
    for (const [spelling, canonical] of spellings(spec)) {
      let set = out.get(spelling);
      if (!set) out.set(spelling, set = new Set());
      set.add(canonical);
    }
  }
  return out;
})();

/**
 * Finds where a model path was written in the Riofile as the user wrote it: the policy runs on
 * the normalized model (aliases folded, `spec:` flattened), but its errors must point at the
 * user's line. Objects of `kubernetes.manifest` are found inside the block scalar, or among the
 * documents of a plain-Kubernetes file. A path that cannot be followed to the end points at the
 * deepest part found (never at nothing).
 */
export function createLocator(source: string, format: 'riofile' | 'plain-kubernetes'): (path: ModelPath) => Position {
  const position = lineCounterMapper(source);
  let docs: Document[] | undefined;
  const documents = () => (docs ??= [...parseAllDocuments(source, { uniqueKeys: false, logLevel: 'silent' })] as Document[]);
  return (path) => {
    try {
      if (format === 'plain-kubernetes' && path[0] === 'kubernetes' && path[1] === 'manifest' && typeof path[2] === 'number') {
        const doc = documents().filter((d) => d.contents !== null)[path[2]];
        return position(doc ? walk(doc.contents, path.slice(3), false) ?? 0 : 0);
      }
      const doc = documents().find((d) => d.contents !== null);
      if (!doc) return position(0);
      if (path[0] === 'kubernetes' && path[1] === 'manifest' && typeof path[2] === 'number') {
        const manifest = findNode(doc.contents, ['kubernetes', 'manifest']);
        if (!manifest || !isScalar(manifest.node)) return position(manifest?.offset ?? 0);
        const inner = [...parseAllDocuments(String(manifest.node.value), { uniqueKeys: false, logLevel: 'silent' })] as Document[];
        const object = inner.filter((d) => d.contents !== null)[path[2]];
        const offset = object ? walk(object.contents, path.slice(3), false) : undefined;
        return position(offset === undefined ? manifest.offset : blockScalarOffsets(source, manifest.node)(offset));
      }
      return position(walk(doc.contents, path, true) ?? 0);
    } catch {
      return position(0);
    }
  };
}

function findNode(root: unknown, path: ModelPath): { node: unknown; offset: number } | undefined {
  let node = root;
  let offset: number | undefined;
  for (const part of path) {
    const pair = isMap(node) ? (node.items as Pair[]).find((p) => matches(p.key, part, true)) : undefined;
    if (!pair) return undefined;
    offset = start(pair.value) ?? start(pair.key);
    node = pair.value;
  }
  return offset === undefined ? undefined : { node, offset };
}

/** The offset of the node at `path` (or its deepest ancestor found); the key's offset for map entries. */
function walk(root: unknown, path: ModelPath, riofile: boolean): number | undefined {
  let node = root;
  let best = start(root);
  for (const part of path) {
    let next: unknown;
    let at: number | undefined;
    if (isMap(node)) {
      let pair = (node.items as Pair[]).find((p) => matches(p.key, part, riofile));
      // Riofile entries may be written in the Kubernetes-object shape: fields under `spec:`.
      if (!pair && riofile) {
        const spec = (node.items as Pair[]).find((p) => isScalar(p.key) && p.key.value === 'spec');
        if (spec && isMap(spec.value)) pair = (spec.value.items as Pair[]).find((p) => matches(p.key, part, riofile));
      }
      if (pair) { next = pair.value; at = start(pair.key); }
    } else if (isSeq(node) && typeof part === 'number') {
      next = node.items[part];
      at = start(next);
    }
    if (at === undefined) break;
    best = at;
    node = next;
  }
  return best;
}

function matches(key: unknown, part: string | number, riofile: boolean): boolean {
  if (!isScalar(key)) return false;
  const k = String(key.value);
  return k === String(part) || (riofile && typeof part === 'string' && (CANONICAL.get(k)?.has(part) ?? false));
}

function start(node: unknown): number | undefined {
  const range = (node as { range?: number[] } | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
