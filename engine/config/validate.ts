import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parseDocument, type Document } from 'yaml';
import { IssueCollector, lineCounterMapper } from '../riofile/locate.js';
import { closest } from '../riofile/suggest.js';
import { DUPLICATE_KEY_MESSAGE, keyProblems } from '../riofile/yaml-keys.js';
import { checkTextLimits } from '../riofile/limits.js';
import { describeValue, type Path } from '../riofile/path.js';
import { ConfigError } from './errors.js';
import { isSecretParam } from '../git/redact.js';

const MAX_CONFIG_BYTES = 256 * 1024;

let compiled: { settings: ValidateFunction; app: ValidateFunction; schema: Record<string, unknown> } | undefined;

/** The config schema is compiled once per process, on first use. */
function validators() {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(new URL('../../../schemas/config.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    // verbose: errors carry their parentSchema, whose property names feed "did you mean".
    const ajv = new Ajv2020({ allErrors: true, strict: false, verbose: true });
    ajv.addSchema(schema);
    const id = schema.$id as string;
    compiled = { settings: ajv.getSchema(`${id}#/$defs/settings`)!, app: ajv.getSchema(`${id}#/$defs/app`)!, schema };
  }
  return compiled;
}

/** Parses one YAML file of the config repo and validates it; throws ConfigError with located issues. */
export function parseConfigFile(file: string, text: string, kind: 'settings' | 'app'): Record<string, unknown> {
  const issues = new IssueCollector(file, undefined, lineCounterMapper(text));
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    issues.addAt(0, [], `file is larger than ${MAX_CONFIG_BYTES / 1024} KiB`, { kind: 'RiofileLimit' });
    throw new ConfigError(issues.issues);
  }
  // The Riofile's nesting and entry budgets: the YAML parser recurses per level and is slow per node.
  const limit = checkTextLimits(text);
  if (limit) {
    issues.addAt(limit.offset, [], limit.message, { kind: 'RiofileLimit', code: limit.code.replace(/^RIOFILE_/, 'CONFIG_') });
    throw new ConfigError(issues.issues);
  }
  // uniqueKeys: false because yaml's check is quadratic; keyProblems finds duplicates in one pass.
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  for (const err of doc.errors) issues.addAt(err.pos[0], [], err.message.split('\n')[0]!, { kind: 'RiofileSyntax' });
  for (const offset of keyProblems(doc).duplicateKeys) issues.addAt(offset, [], DUPLICATE_KEY_MESSAGE, { kind: 'RiofileSyntax' });
  if (issues.count) throw new ConfigError(issues.issues);
  const value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const located = new IssueCollector(file, doc as Document, lineCounterMapper(text));
  if (typeof value !== 'object' || Array.isArray(value)) {
    located.add([], 'must be a mapping of keys to values', { found: Array.isArray(value) ? 'a list' : typeof value, expected: 'a mapping' });
    throw new ConfigError(located.issues);
  }
  const validate = validators()[kind];
  if (!validate(value)) {
    // Past the issue budget a problem is only counted, its message (a "did you mean") not built.
    for (const err of validate.errors ?? []) if (located.accepting) addAjvIssue(located, err); else located.omit();
    throw new ConfigError(located.reported());
  }
  if (kind === 'app') checkRepoCredentials((value as { repo: string }).repo, located);
  if (located.count) throw new ConfigError(located.issues);
  return value as Record<string, unknown>;
}

/**
 * A repository URL with a user name, password or token in it (`https://bot:ghp_x@host/r.git`,
 * `?access_token=`) is refused: the config repository is read by everyone who reviews it, and
 * the URL would travel into Environments, logs and commit statuses. The message names neither
 * the credential nor the URL as written; it says where credentials go instead.
 */
function checkRepoCredentials(repo: string, issues: IssueCollector): void {
  let url: URL;
  try {
    url = new URL(repo);
  } catch {
    return; // the schema's pattern already refused what is not a URL
  }
  const secretParams = [...url.searchParams.keys()].filter(isSecretParam);
  if (!url.username && !url.password && secretParams.length === 0) return;
  const what = url.username || url.password ? 'a user name or password' : `a secret query parameter (${secretParams.join(', ')})`;
  issues.add(['repo'], `the repository URL carries credentials (${what}); put them in a Secret in Ria's namespace (keys username and password, or token) and name it in "cloneSecret"`,
    { expected: `${url.protocol}//${url.host}${url.pathname} and cloneSecret: <secret name>`, code: 'CONFIG_REPO_CREDENTIALS' });
}

function addAjvIssue(issues: IssueCollector, err: ErrorObject): void {
  const path: Path = err.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys((err.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = closest(key, known);
      issues.add([...path, key], `unknown key ${describeValue(key)}${hint ? `; did you mean "${hint}"?` : ''}`,
        { on: 'key', expected: known.length ? `one of ${known.join(', ')}` : 'no other keys' });
      return;
    }
    case 'required':
      issues.add(path, `missing required key "${String(params.missingProperty)}"`);
      return;
    case 'pattern':
      issues.add(path, `${(err.parentSchema as { description?: string } | undefined)?.description ?? 'invalid value'}`,
        { expected: `text matching ${String(params.pattern)}` });
      return;
    default:
      issues.add(path, err.message ?? 'invalid value');
  }
}
