import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { UsageError, errorMessage } from '../errors.js';

/** Reads a file the user named; a missing or unreadable file is a usage error (exit 2). */
export async function readSource(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${errorMessage(err)}`);
  }
}

/** An answers file is a flat map (Rio's answers.yaml); values are used as strings. */
export async function readAnswers(path: string): Promise<Record<string, string>> {
  let data: unknown;
  try {
    data = parseYaml(await readSource(path));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${path}: answers are not valid YAML: ${errorMessage(err).split('\n')[0]}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${path}: answers must be a map of VARIABLE: value`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) {
    if (v !== null && typeof v === 'object') throw new UsageError(`${path}: answer ${k} must be a single value`);
    out[k] = v === null ? '' : String(v);
  }
  return out;
}

/** One `--set KEY=VALUE` template answer, added to `into`. */
export function addSetAnswer(into: Record<string, string>, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq <= 0) throw new UsageError(`--set needs KEY=VALUE, got "${kv}"`);
  into[kv.slice(0, eq)] = kv.slice(eq + 1);
}
