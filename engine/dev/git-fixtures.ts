/**
 * Builds fixture repositories directly in a git server's root with the git CLI's plumbing: no
 * work tree, no network, and a fixed author, committer and date so the same inputs always give
 * the same commit SHAs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoDirName } from './git-server.js';

/** The part of a GitServer the fixtures need. */
export interface FixtureServer {
  root: string;
}

export interface CommitOptions {
  /** Commit date; 2026-01-01T00:00:00Z by default. */
  date?: string;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Ria Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@ria.invalid',
  GIT_COMMITTER_NAME: 'Ria Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@ria.invalid',
};
const DEFAULT_DATE = '2026-01-01T00:00:00Z';

/** Runs git in a bare repository; resolves to trimmed stdout. */
export function gitIn(
  gitDir: string,
  args: string[],
  { env = {}, input }: { env?: Record<string, string>; input?: string } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      {
        env: { PATH: process.env.PATH, GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
        else resolve(stdout.trim());
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

function repoPath(server: FixtureServer, name: string): string {
  return join(server.root, repoDirName(name));
}

/** Creates an empty bare repository whose HEAD points at `defaultBranch` (main by default). */
export async function createRepo(
  server: FixtureServer,
  name: string,
  { defaultBranch = 'main' }: { defaultBranch?: string } = {},
): Promise<string> {
  const dir = repoPath(server, name);
  await gitIn(dir, ['init', '--bare', '--quiet', `--initial-branch=${defaultBranch}`]);
  return dir;
}

/** Points HEAD at `branch`, which need not exist (a repo whose default branch was deleted). */
export async function setHead(server: FixtureServer, name: string, branch: string): Promise<void> {
  await gitIn(repoPath(server, name), ['symbolic-ref', 'HEAD', `refs/heads/${branch}`]);
}

/**
 * Commits `files` on top of `branch` (creating the branch when missing) and moves the branch.
 * A `null` content deletes the file. Resolves to the new commit SHA.
 */
export async function commitFiles(
  server: FixtureServer,
  name: string,
  branch: string,
  files: Record<string, string | null>,
  message: string,
  options: CommitOptions = {},
): Promise<string> {
  const dir = repoPath(server, name);
  const ref = `refs/heads/${branch}`;
  const parent = await resolveRef(dir, ref);
  const sha = await createCommit(server, name, { parent, files, message, ...options });
  await gitIn(dir, ['update-ref', ref, sha, parent ?? '']);
  return sha;
}

/**
 * Writes a commit that no branch points at, like the head of a pull request from a fork.
 * `parent` is a commit SHA or null for a root commit. Resolves to the commit SHA.
 */
export async function createCommit(
  server: FixtureServer,
  name: string,
  { parent, files, message, date = DEFAULT_DATE }: { parent: string | null; files: Record<string, string | null>; message: string; date?: string },
): Promise<string> {
  const dir = repoPath(server, name);
  const scratch = await mkdtemp(join(tmpdir(), 'ria-fixture-index-'));
  const env = { GIT_INDEX_FILE: join(scratch, 'index') };
  try {
    if (parent) await gitIn(dir, ['read-tree', parent], { env });
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        // Mode 0 removes the entry; unlike --force-remove it needs no work tree.
        await gitIn(dir, ['update-index', '--index-info'], { env, input: `0 ${'0'.repeat(40)}\t${path}\n` });
        continue;
      }
      const blob = await gitIn(dir, ['hash-object', '-w', '--stdin'], { input: content });
      await gitIn(dir, ['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`], { env });
    }
    const tree = await gitIn(dir, ['write-tree'], { env });
    const parentArgs = parent ? ['-p', parent] : [];
    return await gitIn(dir, ['commit-tree', tree, ...parentArgs, '-m', message], {
      env: { ...IDENTITY, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Moves `branch` to `sha`, whatever it pointed at (a force push, a reset to an older commit). */
export async function setBranch(server: FixtureServer, name: string, branch: string, sha: string): Promise<void> {
  await gitIn(repoPath(server, name), ['update-ref', `refs/heads/${branch}`, sha]);
}

export async function deleteBranch(server: FixtureServer, name: string, branch: string): Promise<void> {
  await gitIn(repoPath(server, name), ['update-ref', '-d', `refs/heads/${branch}`]);
}

/** Sets `refs/pull/N/head` the way GitHub does: a plain ref outside refs/heads. */
export async function setPullRef(server: FixtureServer, name: string, n: number, sha: string): Promise<void> {
  await gitIn(repoPath(server, name), ['update-ref', `refs/pull/${n}/head`, sha]);
}

export async function deletePullRef(server: FixtureServer, name: string, n: number): Promise<void> {
  await gitIn(repoPath(server, name), ['update-ref', '-d', `refs/pull/${n}/head`]);
}

/** The SHA a ref points at, or null when the ref does not exist. */
export async function resolveRef(gitDir: string, ref: string): Promise<string | null> {
  try {
    return await gitIn(gitDir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    return null;
  }
}
