/**
 * The project's working tree as one commit in a bare repository of a local git server: what the
 * engine image is built from (a build Job fetches it exactly like an app's commit). Tracked files
 * and untracked ones git does not ignore, as they are on disk now (uncommitted edits included:
 * the image matches the code being tested). Author, committer and date are fixed and there is
 * no parent, so the commit SHA is a function of the content only: the same tree always gives
 * the same SHA, which names the image and keys its cache.
 */
import { lstat, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createRepo, gitIn, type FixtureServer } from './git-fixtures.js';
import { repoDirName } from './git-server.js';

const run = promisify(execFile);

const SNAPSHOT_IDENTITY = {
  GIT_AUTHOR_NAME: 'Ria', GIT_AUTHOR_EMAIL: 'snapshot@ria.invalid', GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Ria', GIT_COMMITTER_EMAIL: 'snapshot@ria.invalid', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

/** Files of the working tree git would commit with `git add -A` (ignored ones left out), that exist. */
export async function projectFiles(projectDir: string): Promise<string[]> {
  let out: string;
  try {
    out = (await run('git', ['-C', projectDir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { maxBuffer: 64 << 20 })).stdout;
  } catch (err) {
    throw new Error(`${projectDir} is not a git checkout (the engine image is built from one): ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`);
  }
  // node_modules may be a symlink (a worktree sharing another's), which `node_modules/` does not ignore.
  const files = [...new Set(out.split('\0').filter((f) => f && f !== 'node_modules'))].sort();
  const present = await Promise.all(files.map((f) => lstat(join(projectDir, f)).then((s) => !s.isDirectory(), () => false)));
  return files.filter((_, i) => present[i]);
}

/**
 * Commits the working tree of `projectDir` to `branch` of `repo` on `server`; resolves to the SHA.
 * `keep` leaves files out (a build context's .dockerignore: then an edit to a file the build never
 * sees makes the same SHA).
 */
export async function snapshotProject(projectDir: string, server: FixtureServer, repo: string, options: { branch?: string; keep?: (path: string) => boolean } = {}): Promise<string> {
  const { branch = 'main', keep = () => true } = options;
  const gitDir = join(server.root, repoDirName(repo));
  if (!(await lstat(gitDir).then(() => true, () => false))) await createRepo(server, repo);
  const files = (await projectFiles(projectDir)).filter(keep);
  const scratch = await mkdtemp(join(tmpdir(), 'ria-snapshot-index-'));
  const env = { GIT_INDEX_FILE: join(scratch, 'index'), GIT_WORK_TREE: projectDir };
  try {
    await gitIn(gitDir, ['update-index', '--add', '-z', '--stdin'], { env, input: files.join('\0') + '\0' });
    const tree = await gitIn(gitDir, ['write-tree'], { env });
    const sha = await gitIn(gitDir, ['commit-tree', tree, '-m', `Ria's working tree (${files.length} files)`], { env: SNAPSHOT_IDENTITY });
    await gitIn(gitDir, ['update-ref', `refs/heads/${branch}`, sha]);
    return sha;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
