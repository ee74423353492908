import git from 'isomorphic-git';
import type { FsClient } from 'isomorphic-git';
import { posix } from 'node:path';

const MAX_FILES = 2_000;

/**
 * The config directory as a path inside the repository: `.`, `./`, `` and `/` are the root
 * (`ria install`'s default is `.`; isomorphic-git finds nothing at `./ria.yaml`), `./config/` is `config`.
 */
export function configRoot(root: string): string {
  const normal = posix.normalize(`/${root}`).replace(/^\/+|\/+$/g, '');
  return normal === '.' ? '' : normal;
}

/**
 * Reads the YAML files of a config repository at a fetched commit, straight from the object
 * store: `<root>/ria.yaml` and `<root>/apps/*.yaml`. Keys are relative to `root`.
 */
export async function readConfigFiles(fs: FsClient, gitdir: string, sha: string, root = ''): Promise<Map<string, string>> {
  const base = configRoot(root);
  const files = new Map<string, string>();
  const read = async (path: string) => {
    try {
      const { blob } = await git.readBlob({ fs, gitdir, oid: sha, filepath: path });
      return Buffer.from(blob).toString('utf8');
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFoundError') return undefined;
      throw err;
    }
  };
  const join = (p: string) => (base ? `${base}/${p}` : p);
  const settings = await read(join('ria.yaml'));
  if (settings !== undefined) files.set('ria.yaml', settings);
  let tree: Awaited<ReturnType<typeof git.readTree>> | undefined;
  try {
    tree = await git.readTree({ fs, gitdir, oid: sha, filepath: join('apps') });
  } catch (err) {
    if ((err as { code?: string }).code !== 'NotFoundError') throw err;
  }
  for (const entry of (tree?.tree ?? []).slice(0, MAX_FILES)) {
    if (entry.type !== 'blob' || !/\.ya?ml$/.test(entry.path)) continue;
    const { blob } = await git.readBlob({ fs, gitdir, oid: entry.oid });
    files.set(`apps/${entry.path}`, Buffer.from(blob).toString('utf8'));
  }
  return files;
}
