/**
 * The vocabulary for describing Riofile objects once, in TypeScript: the JSON Schema is generated
 * from these tables (schemas/riofile.schema.json) and the normalizer folds aliases with them, so
 * the editor's view of the format and the parser's can never drift apart.
 */
export type JsonSchema = Record<string, unknown>;

export interface FieldSpec {
  /** Shown by editors on hover; says what the field does and its default. */
  description: string;
  schema: JsonSchema;
  /** Other spellings Rio accepted; folded to the canonical name. snake_case is added automatically. */
  aliases?: string[];
}

export interface ObjectSpec {
  description: string;
  fields: Record<string, FieldSpec>;
  /** Extra keywords for the object itself (minProperties...). */
  extra?: JsonSchema;
}

export function field(description: string, schema: JsonSchema, aliases?: string[]): FieldSpec {
  return aliases ? { description, schema, aliases } : { description, schema };
}

export const ref = (def: string): JsonSchema => ({ $ref: `#/$defs/${def}` });
export const str = (extra: JsonSchema = {}): JsonSchema => ({ type: 'string', ...extra });
export const bool: JsonSchema = { type: 'boolean' };
export const int = (minimum?: number, maximum?: number): JsonSchema => ({
  type: 'integer',
  ...(minimum === undefined ? {} : { minimum }),
  ...(maximum === undefined ? {} : { maximum }),
});
export const list = (items: JsonSchema): JsonSchema => ({ type: 'array', items });
export const stringMap: JsonSchema = { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } };
/** A Kubernetes object passed through as-is (probes, affinity). */
export const passThrough: JsonSchema = { type: 'object' };

/** `globalPermissions` -> `global_permissions` (norman's JSONKeys mapper accepted both). */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/([A-Z])([A-Z][a-z])/g, '$1_$2').toLowerCase();
}

/** Every accepted spelling of a field -> its canonical name. */
export function spellings(spec: ObjectSpec): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, f] of Object.entries(spec.fields)) {
    for (const alias of [name, ...(f.aliases ?? [])]) {
      out.set(alias, name);
      const snake = snakeCase(alias);
      if (!out.has(snake)) out.set(snake, name);
    }
  }
  return out;
}
