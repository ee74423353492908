/**
 * The bundled examples (examples/ in the repository) as git content: which directories are app
 * repositories, their files as the working copy holds them, and the served config repository,
 * whose repository URLs are pointed at the git server actually running.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RiaError } from '../errors.js';
import { devRiaYaml, type RealNodeImages } from './real-settings.js';

/** The directory that holds the config repository. */
export const CONFIG_EXAMPLE = 'config';
/** Served repositories live under this owner (`<owner>/<name>.git`), as on GitHub. */
export const EXAMPLES_OWNER = 'ria-examples';
/** The git server address the example files are written against (`ria dev` tries this port first). */
export const EXAMPLES_ORIGIN = 'http://127.0.0.1:7080';
export const EXAMPLES_PORT = 7080;

const SKIP = new Set(['.git', 'node_modules', '.DS_Store']);
/** A working copy is small text; anything bigger is a mistake (a build output, a dump). */
const MAX_FILE_BYTES = 1024 * 1024;

export class ExampleError extends RiaError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('ExampleError', message, data);
  }
}

/** examples/ of this checkout, found from dist/engine/dev/ (js) or engine/dev/ (ts). */
export function defaultExamplesDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.split(sep).includes('dist') ? '../../../examples' : '../../examples';
  return fileURLToPath(new URL(up, import.meta.url));
}

/** Repository name on the git server of an example directory: `ria-examples/<dir>`. */
export function servedRepoName(example: string): string {
  return `${EXAMPLES_OWNER}/${example}`;
}

/** App example directories (every directory but config/), sorted. */
export async function listExamples(examplesDir: string): Promise<string[]> {
  const entries = await readdir(examplesDir, { withFileTypes: true }).catch((err: Error) => {
    throw new ExampleError(`cannot read the examples directory ${examplesDir}: ${err.message}`, { examplesDir });
  });
  return entries.filter((e) => e.isDirectory() && e.name !== CONFIG_EXAMPLE && !SKIP.has(e.name)).map((e) => e.name).sort();
}

/** Every file of examples/<example> (path relative to it, `/`-separated) with its text. */
export async function readExample(examplesDir: string, example: string): Promise<Record<string, string>> {
  const root = join(examplesDir, example);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    const known = [CONFIG_EXAMPLE, ...(await listExamples(examplesDir).catch(() => []))];
    throw new ExampleError(`no example "${example}" in ${examplesDir} (examples: ${known.join(', ')})`, { example });
  }
  const files: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      if (SKIP.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) { await walk(path); continue; }
      if (!entry.isFile()) continue;
      const size = (await stat(path)).size;
      if (size > MAX_FILE_BYTES) throw new ExampleError(`${relative(examplesDir, path)} is over 1 MiB; examples hold small text files`, { path });
      files[relative(root, path).split(sep).join('/')] = await readFile(path, 'utf8');
    }
  };
  await walk(root);
  return files;
}

/**
 * The files to commit for an example. The config repository names the git server as
 * 127.0.0.1:7080; when the server runs elsewhere, that address is replaced by the real one.
 */
export function servedFiles(example: string, files: Record<string, string>, gitServerUrl: string, dev?: DevConfig): Record<string, string> {
  if (example !== CONFIG_EXAMPLE) return files;
  const from = new URL(EXAMPLES_ORIGIN).host;
  const to = new URL(gitServerUrl).host;
  if (from === to && !dev) return files;
  const out = from === to ? { ...files } : Object.fromEntries(Object.entries(files).map(([path, text]) => [path, text.split(from).join(to)]));
  if (dev && out['ria.yaml'] !== undefined) out['ria.yaml'] = devRiaYaml(out['ria.yaml'], dev.gateway, dev.node);
  return out;
}

/**
 * What `ria dev` changes in the served ria.yaml (see real-settings.ts): the Gateway it created, and
 * on the real node its registry and builder. Kept in the dev state, so `ria dev push config`
 * serves the same.
 */
export interface DevConfig {
  gateway: { namespace: string; name: string };
  node?: RealNodeImages;
}

/** App names of the config example (apps/<name>.yaml), the environments `ria dev` waits for. */
export function configApps(configFiles: Record<string, string>): string[] {
  return Object.keys(configFiles).map((p) => /^apps\/([^/]+)\.ya?ml$/.exec(p)?.[1]).filter((n): n is string => !!n).sort();
}
