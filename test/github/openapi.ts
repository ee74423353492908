/**
 * Request (and response) checking against test/github/openapi-slice.json, GitHub's own OpenAPI
 * description of the operations Ria calls (see make-openapi-slice.mjs).
 *
 * One deliberate tightening: GitHub ignores unknown body fields, but its schemas do not say
 * `additionalProperties: false`, so a misspelt field (`enviroment_url`) would pass unnoticed and
 * silently do nothing in production. Request-body objects are therefore closed here.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import slice from './openapi-slice.json' with { type: 'json' };

type Json = Record<string, unknown>;
interface Parameter { name: string; in: string; required?: boolean; schema?: Json }
interface Operation { operationId: string; parameters?: Array<Parameter | { $ref: string }>; requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, { content?: Record<string, { schema: Json }> }> }

export interface MatchedOperation {
  operationId: string;
  template: string;
  params: Record<string, string>;
  validateQuery(query: URLSearchParams): string[];
  validateBody(body: unknown): string[];
  validateResponse(status: number, body: unknown): string[];
}

export type RouteMatch = { ok: true; op: MatchedOperation } | { ok: false; status: 404 | 405; error: string };

const doc = structuredClone(slice) as unknown as { paths: Record<string, Record<string, Operation>>; components: Json };

function resolve<T>(node: T | { $ref: string }): T {
  const ref = (node as { $ref?: string }).$ref;
  if (!ref) return node as T;
  return ref.slice(2).split('/').reduce<unknown>((n, p) => (n as Json)[p.replace(/~1/g, '/').replace(/~0/g, '~')], doc) as T;
}

function closeObjects(schema: unknown): void {
  if (Array.isArray(schema)) { schema.forEach(closeObjects); return; }
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Json;
  if (s.type === 'object' && s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
  for (const value of Object.values(s)) closeObjects(value);
}

// The formats GitHub's description uses; a target_url that is not a URL must fail like on GitHub.
const formats: Record<string, true | RegExp> = {
  uri: /^[a-z][a-z0-9+.-]*:[^\s]*$/i,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  int64: true, email: true, 'uri-template': true, date: true, hostname: true, ipv4: true, ipv6: true, uuid: true, binary: true, regex: true, 'repo.nwo': true, 'ssh-key': true, 'ssh-key fingerprint': true, uint64: true,
};
const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes: false, formats, logger: false });
ajv.addSchema({ ...doc, $id: 'github' } as unknown as Json);
const ajvQuery = new Ajv({ strict: false, coerceTypes: true, formats, logger: false });

const compiled = new Map<string, ValidateFunction>();
function validatorFor(key: string, schema: Json, closed: boolean): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    const copy = structuredClone(schema);
    if (closed) closeObjects(copy);
    // Local $refs point into the whole description, registered above as "github".
    v = ajv.compile(JSON.parse(JSON.stringify(copy).replace(/"\$ref":"#\//g, '"$ref":"github#/')) as Json);
    compiled.set(key, v);
  }
  return v;
}

function errorsOf(v: ValidateFunction): string[] {
  return (v.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? ''}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
}

export function matchOperation(method: string, path: string): RouteMatch {
  let pathMatched = false;
  for (const [template, item] of Object.entries(doc.paths)) {
    const names: string[] = [];
    const re = new RegExp(`^${template.replace(/\{([^}]+)\}/g, (_m, name: string) => { names.push(name); return '([^/]+)'; })}$`);
    const m = re.exec(path);
    if (!m) continue;
    pathMatched = true;
    const op = item[method.toLowerCase()];
    if (!op) continue;
    const params = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
    return { ok: true, op: operation(template, method.toLowerCase(), op, params) };
  }
  return pathMatched
    ? { ok: false, status: 405, error: `${method} ${path}: method not in GitHub's description for this path` }
    : { ok: false, status: 404, error: `${method} ${path}: no such route in GitHub's description` };
}

function operation(template: string, method: string, op: Operation, params: Record<string, string>): MatchedOperation {
  const parameters = (op.parameters ?? []).map((p) => resolve<Parameter>(p));
  return {
    operationId: op.operationId, template, params,
    validateQuery(query) {
      const errors: string[] = [];
      for (const key of query.keys()) if (!parameters.some((p) => p.in === 'query' && p.name === key)) errors.push(`unknown query parameter "${key}"`);
      for (const p of parameters.filter((x) => x.in === 'query')) {
        const value = query.get(p.name);
        if (value === null) { if (p.required) errors.push(`missing query parameter "${p.name}"`); continue; }
        const data = { v: value };
        const v = ajvQuery.compile({ type: 'object', properties: { v: p.schema ?? {} } });
        if (!v(data)) errors.push(`query ${p.name}=${value}: ${errorsOf(v).join('; ')}`);
      }
      for (const p of parameters.filter((x) => x.in === 'path')) {
        const v = ajvQuery.compile({ type: 'object', properties: { v: p.schema ?? {} } });
        if (!v({ v: params[p.name] })) errors.push(`path ${p.name}=${params[p.name]}: ${errorsOf(v).join('; ')}`);
      }
      return errors;
    },
    validateBody(body) {
      const schema = op.requestBody?.content['application/json']?.schema;
      if (!schema) return body === undefined ? [] : ['this operation takes no request body'];
      if (body === undefined) return ['request body required'];
      const v = validatorFor(`${method} ${template} request`, schema, true);
      return v(body) ? [] : errorsOf(v);
    },
    validateResponse(status, body) {
      const schema = op.responses[String(status)]?.content?.['application/json']?.schema;
      if (!schema) return [];
      const v = validatorFor(`${method} ${template} ${status}`, schema, false);
      return v(body) ? [] : errorsOf(v);
    },
  };
}
