/** Reads one file at a fetched commit straight from the object store: no checkout, no work tree. */
import git from 'isomorphic-git';
import type { GitIO } from './client.js';
import { GitError, GitErrorCode, GitFetchStillEndingError } from './errors.js';
import { DEFAULT_TIMEOUT_MS } from './transport.js';

export interface ReadFileOptions {
  /** The cache directory given to fetchCommit. */
  dir: string;
  sha: string;
  /** Path inside the repository, `/`-separated, e.g. `Riofile` or `deploy/Riofile`. */
  path: string;
}

/** The file's content as UTF-8, or null when the commit has no such file. */
export async function readFileAt(io: Pick<GitIO, 'fs' | 'caches' | 'ending' | 'timeoutMs'>, { dir, sha, path }: ReadFileOptions): Promise<string | null> {
  // Not while a fetch abandoned at its deadline still writes a pack here (see ending-work.ts).
  const endingForMs = await io.ending?.settled(dir, io.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (endingForMs !== undefined) throw new GitFetchStillEndingError({ op: 'readFileAt', dir, endingForMs });
  const filepath = path.replace(/^\/+/, '');
  const use = io.caches?.use(dir);
  try {
    return await readFile(io, use?.cache, dir, sha, filepath);
  } finally {
    use?.release();
  }
}

async function readFile(io: Pick<GitIO, 'fs'>, cache: object | undefined, dir: string, sha: string, filepath: string): Promise<string | null> {
  try {
    await git.readCommit({ fs: io.fs, gitdir: dir, oid: sha, ...(cache ? { cache } : {}) });
  } catch (err) {
    throw new GitError(
      `commit ${sha} is not in the git cache at ${dir}; fetch it first`,
      { op: 'readFileAt', dir, sha },
      { code: GitErrorCode.CommitNotFetched, cause: err },
    );
  }
  try {
    const { blob } = await git.readBlob({ fs: io.fs, gitdir: dir, oid: sha, filepath, ...(cache ? { cache } : {}) });
    return Buffer.from(blob).toString('utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'NotFoundError') return null;
    if (code === 'ObjectTypeError') {
      throw new GitError(`${filepath} is a directory at ${sha.slice(0, 7)}, not a file`, { op: 'readFileAt', sha, path: filepath }, { cause: err });
    }
    throw new GitError(`cannot read ${filepath} at ${sha.slice(0, 7)}: ${(err as Error).message}`, { op: 'readFileAt', sha, path: filepath }, { cause: err });
  }
}
