/** A location inside the parsed document: map keys and sequence indexes, as written in the file. */
export type Path = readonly (string | number)[];

const SIMPLE_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `['services', 'web', 'ports', 1]` -> `services.web.ports[1]`; keys with dots are quoted: `configs.conf["index.html"]`. */
export function formatPath(path: Path): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (SIMPLE_KEY.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Describes a value in a message without dumping it: strings quoted and shortened, collections by kind. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  return String(value);
}
