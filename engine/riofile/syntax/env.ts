import { SelfFieldPaths, type EnvVar, type KeyRef, type SelfField } from '../model.js';
import { closest } from '../suggest.js';
import { DNS_SUBDOMAIN, fail, ok, type Parsed } from './result.js';

export const ENV_SYNTAX = 'NAME=VALUE, NAME=secret://SECRET/KEY, NAME=config://CONFIG/KEY or NAME=$(self/FIELD)';
/** Kubernetes' rule for environment variable names. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const KEY = /^[-._a-zA-Z0-9]+$/;
const SELF = /^\$\((self\/[A-Za-z]+)\)$/;

/** Parses one `K=V` list entry. A bare `K` is `K=` (Rio's reading). */
export function parseEnv(spec: string): Parsed<EnvVar> {
  const eq = spec.indexOf('=');
  const name = (eq < 0 ? spec : spec.slice(0, eq)).trim();
  return parseEnvValue(name, eq < 0 ? '' : spec.slice(eq + 1));
}

/** Parses a value of the map form (`env: {K: V}`) or the part after `=`. */
export function parseEnvValue(name: string, value: string): Parsed<EnvVar> {
  if (!ENV_NAME.test(name)) {
    return fail(`"${name}" is not a valid environment variable name`, 'letters, digits, "_", "-" and ".", not starting with a digit');
  }
  for (const [prefix, field] of [['secret://', 'secretRef'], ['config://', 'configRef']] as const) {
    if (!value.startsWith(prefix)) continue;
    const ref = parseKeyRef(value.slice(prefix.length));
    if (typeof ref === 'string') return fail(ref, `${prefix}NAME/KEY`);
    return ok(field === 'secretRef' ? { name, secretRef: ref } : { name, configRef: ref });
  }
  const self = SELF.exec(value);
  if (self) {
    const field = self[1]!;
    if (!(field in SelfFieldPaths)) {
      const hint = closest(field, Object.keys(SelfFieldPaths));
      return fail(`unknown field "$(${field})"${hint ? `; did you mean "$(${hint})"?` : ''}`, Object.keys(SelfFieldPaths).map((f) => `$(${f})`).join(', '));
    }
    return ok({ name, fieldRef: field as SelfField });
  }
  return ok({ name, value });
}

function parseKeyRef(text: string): KeyRef | string {
  const slash = text.indexOf('/');
  const name = slash < 0 ? text : text.slice(0, slash);
  const key = slash < 0 ? '' : text.slice(slash + 1);
  if (!DNS_SUBDOMAIN.test(name)) return `"${name}" is not a valid object name`;
  if (!KEY.test(key)) return key === '' ? `missing key after "${name}/"` : `"${key}" is not a valid key`;
  return { name, key };
}
