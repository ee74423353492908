import { containerDefs } from './defs-container.js';
import { serviceDefs } from './defs-service.js';
import { topDefs } from './defs-top.js';
import { field, snakeCase, type JsonSchema, type ObjectSpec } from './spec.js';

/** Every object of the format by `$defs` name; `riofile` is the root. */
export const DEFS: Record<string, ObjectSpec> = { ...topDefs, ...serviceDefs, ...containerDefs };

/**
 * Entries Rio read through its object mapper: the Kubernetes shape (`spec:` plus `metadata.labels`
 * and `metadata.annotations`) is accepted and flattened into the entry.
 */
export const OBJECT_ENTRY_DEFS = ['service', 'router', 'externalService'] as const;

/** The published JSON Schema (draft 2020-12), generated so aliases and snake_case spellings are never forgotten. */
export function buildSchema(): JsonSchema {
  const { riofile, ...rest } = DEFS;
  const $defs: Record<string, JsonSchema> = {};
  for (const [name, spec] of Object.entries(rest)) $defs[name] = objectSchema(name, spec, $defs);
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Riofile',
    type: 'object',
    ...objectSchema('riofile', riofile!, $defs),
    $defs,
  };
}

/**
 * Each field's value schema is stored once, as `$defs["<object>.<field>"]`, and every spelling
 * refers to it: the schema stays small and ajv compiles one validator per field, not per spelling.
 */
function objectSchema(name: string, spec: ObjectSpec, $defs: Record<string, JsonSchema>): JsonSchema {
  const fields = { ...spec.fields };
  if ((OBJECT_ENTRY_DEFS as readonly string[]).includes(name)) {
    fields.spec = field('The Kubernetes-object shape: fields of the entry nested under spec (flattened).', { type: 'object', $ref: `#/$defs/${name}` });
    fields.metadata = field('The Kubernetes-object shape: only metadata.labels and metadata.annotations are read.', { type: 'object', $ref: '#/$defs/entryMetadata' });
  }
  const properties: Record<string, JsonSchema> = {};
  for (const [canonical, f] of Object.entries(fields)) {
    const fieldDef = `${name}.${canonical}`;
    $defs[fieldDef] = f.schema;
    const $ref = `#/$defs/${fieldDef}`;
    properties[canonical] = { description: f.description, $ref };
    for (const alias of f.aliases ?? []) properties[alias] ??= { description: `Alias of \`${canonical}\`. ${f.description}`, $ref };
    for (const spelling of [canonical, ...(f.aliases ?? [])]) {
      const snake = snakeCase(spelling);
      properties[snake] ??= { description: `Same as \`${canonical}\`. ${f.description}`, $ref };
    }
  }
  return { description: spec.description, properties, additionalProperties: false, ...spec.extra };
}

DEFS.entryMetadata = {
  description: 'Metadata of an entry written in the Kubernetes-object shape.',
  fields: {
    labels: field('Labels (same as the entry-level labels).', { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } }),
    annotations: field('Annotations (same as the entry-level annotations).', { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } }),
  },
};
