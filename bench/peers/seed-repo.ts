/**
 * A bench repository created with two git processes (`git init --bare`, one `git fast-import`
 * writing every branch), not a dozen plumbing calls per commit as the test fixtures make: at
 * N = 1,000 apps on a busy 2-core machine the fixtures took 3 minutes an engine.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { repoDirName } from '../../engine/dev/git-server.js';

export interface SeedBranch {
  name: string;
  files: Record<string, string>;
  message: string;
  /** Commit date (ISO 8601). */
  date: string;
}

const WHO = 'Ria Fixture <fixture@ria.invalid>';

/**
 * The fast-import stream for `branches`, pure: each branch one commit, the first a root commit
 * holding its files, each later one a child of the first (branched off it, as `wip` is off `main`)
 * holding the first's files with its own written over them.
 */
export function fastImportStream(branches: readonly SeedBranch[]): string {
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const parts: string[] = [];
  branches.forEach((b, i) => {
    const when = `${Math.floor(Date.parse(b.date) / 1000)} +0000`;
    if (Number.isNaN(Date.parse(b.date))) throw new RangeError(`not a date: ${b.date}`);
    parts.push(`commit refs/heads/${b.name}\nmark :${i + 1}\nauthor ${WHO} ${when}\ncommitter ${WHO} ${when}\n${data(b.message)}`);
    if (i > 0) parts.push('from :1\n');
    for (const [path, content] of Object.entries(b.files)) parts.push(`M 100644 inline ${path}\n${data(content)}`);
    parts.push('\n');
  });
  branches.forEach((_, i) => parts.push(`get-mark :${i + 1}\n`));
  return parts.join('');
}

/**
 * Creates the bare repository `repo` under the git server's `root` (HEAD on the first branch) with
 * `branches`; resolves to each branch's commit SHA, by branch name.
 */
export async function seedRepo(root: string, repo: string, branches: readonly SeedBranch[]): Promise<Record<string, string>> {
  if (branches.length === 0) throw new RangeError('a repository needs at least one branch');
  const dir = join(root, repoDirName(repo));
  await mkdir(dirname(dir), { recursive: true });
  await git(dir, ['init', '--bare', '--quiet', `--initial-branch=${branches[0]!.name}`]);
  const out = await git(dir, ['fast-import', '--quiet', '--done'], `${fastImportStream(branches)}done\n`);
  const shas = out.split('\n').filter(Boolean);
  if (shas.length !== branches.length) throw new Error(`git fast-import in ${repo} answered ${shas.length} marks for ${branches.length} branches`);
  return Object.fromEntries(branches.map((b, i) => [b.name, shas[i]!]));
}

function git(gitDir: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('git', args, { env: { PATH: process.env.PATH, GIT_DIR: gitDir, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' }, maxBuffer: 16 * 2 ** 20 },
      (err, stdout, stderr) => (err ? reject(new Error(`git ${args[0]} in ${gitDir} failed: ${stderr.trim() || err.message}`)) : resolve(stdout)));
    if (input !== undefined) child.stdin!.end(input);
  });
}
