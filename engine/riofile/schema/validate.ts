import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { IssueCollector } from '../locate.js';
import { describeValue, type Path } from '../path.js';
import { closest } from '../suggest.js';
import { buildSchema } from './build.js';
import { LEGACY_KEYS, LEGACY_VALUES } from './legacy.js';
import { explainPattern } from './pattern-messages.js';

let compiled: ValidateFunction | undefined;
/** Which `$defs` object (and key) a schema node belongs to; ajv's schemaPath is relative to the last $ref, so identity is the reliable link. */
const owners = new WeakMap<object, { def: string; key?: string }>();

/** Compiled on first use and kept: compiling costs far more than validating. */
function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strict: false, allowUnionTypes: true, verbose: true, validateSchema: false });
  const schema = buildSchema() as { properties: object; $defs: Record<string, { properties?: object }> };
  const defs: [string, { properties?: object }][] = [['riofile', schema], ...Object.entries(schema.$defs)];
  for (const [def, node] of defs) {
    const dot = def.indexOf('.');
    if (dot > 0) {
      owners.set(node, { def: def.slice(0, dot), key: def.slice(dot + 1) });
      continue;
    }
    owners.set(node, { def });
    for (const [key, property] of Object.entries(node.properties ?? {})) owners.set(property as object, { def, key });
  }
  // The schema is checked against the 2020-12 meta-schema by a unit test, not on every start.
  compiled = ajv.compile(schema);
  return compiled;
}

/**
 * Validates the (template-expanded, null-free) document against the schema and reports located
 * issues. Returns the paths that failed (empty when valid), so the caller can still normalize the
 * entries that passed and report their mistakes in the same run.
 */
export function validateAgainstSchema(data: unknown, issues: IssueCollector): Path[] {
  const validate = validator();
  if (validate(data)) return [];
  const failed: Path[] = [];
  for (const error of validate.errors ?? []) {
    const path = toPath(error.instancePath, data);
    const key = (error.params as { additionalProperty?: string }).additionalProperty ?? error.propertyName;
    failed.push(key === undefined ? path : [...path, key]);
    // Past the issue budget a problem is only counted: its message (a "did you mean", a parser's
    // explanation) is not built for each of tens of thousands of errors.
    if (error.keyword === 'propertyNames') continue; // the failing name is reported by the inner error, with its position
    if (issues.accepting) reportError(error, path, issues);
    else issues.omit();
  }
  return failed;
}

function reportError(error: ErrorObject, path: Path, issues: IssueCollector): void {
  const value = error.data;
  const owner = (error.parentSchema && owners.get(error.parentSchema)) || undefined;
  const def = owner?.def ?? '';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const replacement = LEGACY_KEYS[def]?.[key];
      if (replacement) {
        issues.add([...path, key], `"${key}" is a legacy Rio key (v0.5 or older); use ${replacement}`, { on: 'key', found: key, expected: replacement });
        return;
      }
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {}).filter((k) => key.includes('_') || !k.includes('_'));
      const hint = closest(key, known);
      issues.add([...path, key], `unknown key ${describeValue(key)}${hint ? `; did you mean "${hint}"?` : ''}`, { on: 'key', found: key, ...(hint ? { expected: hint } : {}) });
      return;
    }
    case 'type': {
      const key = owner?.key;
      const legacy = key !== undefined ? LEGACY_VALUES[def]?.[key] : undefined;
      if (legacy && jsonType(value) === legacy.type) {
        issues.add(path, `"${key}" as ${describeType(value)} is legacy Rio syntax (v0.5); use ${legacy.replacement}`, { found: describeValue(value), expected: legacy.replacement });
        return;
      }
      const expected = humanTypes(String(params.type).split(','));
      issues.add(path, `wrong type: expected ${expected}`, { found: describeValue(value), expected });
      return;
    }
    case 'pattern': {
      if (error.propertyName !== undefined) {
        const name = error.propertyName;
        const { expected } = explainPattern(String(params.pattern), name, path);
        issues.add([...path, name], `${describeValue(name)} is not a valid name here`, { on: 'key', found: describeValue(name), expected });
        return;
      }
      const { message, expected } = explainPattern(String(params.pattern), String(value), path);
      issues.add(path, message, { found: describeValue(value), expected });
      return;
    }
    case 'maxLength':
      if (error.propertyName !== undefined) {
        issues.add([...path, error.propertyName], `name ${describeValue(error.propertyName)} is longer than ${String(params.limit)} characters`, { on: 'key' });
        return;
      }
      break;
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String);
      const hint = closest(String(value), allowed);
      issues.add(path, `${describeValue(String(value))} is not allowed${hint ? `; did you mean "${hint}"?` : ''}`, { found: describeValue(value), expected: `one of ${allowed.join(', ')}` });
      return;
    }
    case 'minimum':
    case 'maximum': {
      const limit = String(params.limit);
      issues.add(path, `${String(value)} is ${error.keyword === 'minimum' ? 'below the minimum' : 'above the maximum'} ${limit}`, {
        found: describeValue(value),
        expected: `${error.keyword === 'minimum' ? 'at least' : 'at most'} ${limit}`,
      });
      return;
    }
    case 'required':
      issues.add(path, `missing required key "${String(params.missingProperty)}"`, { expected: String(params.missingProperty) });
      return;
    case 'minProperties':
    case 'maxProperties': {
      const keys = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const canonical = keys.filter((k) => !/^Alias of|^Same as/.test(String((error.parentSchema as { properties: Record<string, { description?: string }> }).properties[k]?.description)));
      issues.add(path, `give exactly one of ${canonical.join(', ')}`, { found: describeValue(value), expected: `one of ${canonical.join(', ')}` });
      return;
    }
  }
  issues.add(path, error.message ?? `invalid (${error.keyword})`, { found: describeValue(value) });
}

/** JSON pointer -> path; array indexes become numbers so the path reads `ports[1]`. */
export function toPath(pointer: string, root: unknown): Path {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(part));
      node = node[Number(part)];
    } else {
      out.push(part);
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
    }
  }
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function describeType(value: unknown): string {
  return { boolean: 'a true/false', object: 'a map', array: 'a list', string: 'a string', number: 'a number', null: 'null' }[jsonType(value)] ?? 'this value';
}

function humanTypes(types: string[]): string {
  const names = types.map((t) => ({ array: 'a list', object: 'a map', string: 'a string', integer: 'a whole number', number: 'a number', boolean: 'true or false' })[t] ?? t);
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}
