import type { IssueCollector } from '../locate.js';
import type { Path } from '../path.js';
import { DEFS, OBJECT_ENTRY_DEFS } from '../schema/build.js';
import { spellings } from '../schema/spec.js';
import type { Parsed } from '../syntax/result.js';
import { describeValue } from '../path.js';

/** A value as written: the key the user used (for messages) and its path (for locations). */
export interface Entry {
  key: string;
  value: unknown;
  path: Path;
}

/** Canonical field name -> entry. */
export type Fields = Map<string, Entry>;

const SPELLINGS = new Map(Object.entries(DEFS).map(([name, spec]) => [name, spellings(spec)]));

/**
 * Folds aliases and snake_case to canonical names. The schema has already refused unknown keys,
 * so every key here has a spelling; two spellings of one field are an error (which one wins
 * would be a guess). Entries in the Kubernetes-object shape (`spec:`, `metadata:`) are flattened.
 */
export function fieldsOf(raw: unknown, def: string, path: Path, issues: IssueCollector): Fields {
  const fields: Fields = new Map();
  collect(raw, def, path, issues, fields);
  return fields;
}

function collect(raw: unknown, def: string, path: Path, issues: IssueCollector, fields: Fields): void {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return;
  const names = SPELLINGS.get(def);
  if (!names) throw new Error(`no schema definition "${def}"`);
  const entryShape = (OBJECT_ENTRY_DEFS as readonly string[]).includes(def);
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (entryShape && key === 'spec') {
      collect(value, def, [...path, key], issues, fields);
      continue;
    }
    if (entryShape && key === 'metadata') {
      const meta = (value ?? {}) as Record<string, unknown>;
      for (const part of ['labels', 'annotations']) {
        if (meta[part] !== undefined) put(fields, part, { key: `metadata.${part}`, value: meta[part], path: [...path, key, part] }, issues);
      }
      continue;
    }
    const canonical = names.get(key);
    if (canonical === undefined) continue; // unreachable after schema validation; never guess
    put(fields, canonical, { key, value, path: [...path, key] }, issues);
  }
}

function put(fields: Fields, canonical: string, entry: Entry, issues: IssueCollector): void {
  const previous = fields.get(canonical);
  if (previous) {
    issues.add(entry.path, `"${entry.key}" and "${previous.key}" are the same field (${canonical}); keep one`, { on: 'key', found: entry.key });
    return;
  }
  fields.set(canonical, entry);
}

/** Runs a syntax parser and reports a failure at the entry; `undefined` when it failed. */
export function parsed<T>(result: Parsed<T>, path: Path, value: unknown, issues: IssueCollector): T | undefined {
  if (result.ok) return result.value;
  issues.add(path, result.message, { found: describeValue(value), expected: result.expected });
  return undefined;
}

/** One item or a list of them (`port: 80` or `ports: [80, 81]`), with each item's path. */
export function items(entry: Entry | undefined): { value: unknown; path: Path }[] {
  if (!entry) return [];
  if (Array.isArray(entry.value)) return entry.value.map((value, i) => ({ value, path: [...entry.path, i] }));
  return [{ value: entry.value, path: entry.path }];
}

export function stringOf(entry: Entry | undefined): string | undefined {
  if (entry === undefined) return undefined;
  return typeof entry.value === 'string' ? entry.value : String(entry.value);
}

export function boolOf(entry: Entry | undefined, fallback: boolean): boolean {
  return entry === undefined ? fallback : entry.value === true;
}

export function optionalBool(entry: Entry | undefined): boolean | undefined {
  return entry === undefined ? undefined : entry.value === true;
}

export function numberOf(entry: Entry | undefined): number | undefined {
  return entry === undefined ? undefined : Number(entry.value);
}

/** Label and annotation values, and config data, are strings in Kubernetes: YAML numbers and booleans are written back as text. */
export function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) out[k] = String(v);
  return out;
}

/** Copies an object with canonical key names (probe objects written in snake_case, for example). */
export function canonicalObject(fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, entry] of fields) out[name] = entry.value;
  return out;
}

/** Sets `key` only when the value is defined, so the model never holds `undefined` properties. */
export function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
