import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectFiles, snapshotProject } from '../../../engine/dev/project-snapshot.js';
import { dockerignoreFilter } from '../../../engine/dev/dockerignore.js';

const run = promisify(execFile);
const git = (dir: string, ...args: string[]) => run('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);

test('the snapshot is the working tree as git sees it (ignored files out, edits and new files in), and its SHA depends on the content only', async () => {
  // Setup: a checkout with a committed file, an uncommitted edit, a new file, ignored files.
  const project = await mkdtemp(join(tmpdir(), 'ria-snap-project-'));
  const server = { root: await mkdtemp(join(tmpdir(), 'ria-snap-server-')) };
  try {
    await git(project, 'init', '-q');
    await writeFile(join(project, '.gitignore'), 'dist/\n');
    await writeFile(join(project, 'Dockerfile'), 'FROM x\n');
    await git(project, 'add', '-A');
    await git(project, 'commit', '-q', '-m', 'one');
    await writeFile(join(project, 'Dockerfile'), 'FROM y\n');
    await writeFile(join(project, 'new.txt'), 'new\n');
    await mkdir(join(project, 'dist'));
    await writeFile(join(project, 'dist/out.js'), 'built\n');
    await mkdir(join(project, 'real-modules'));
    await symlink(join(project, 'real-modules'), join(project, 'node_modules'));

    // Test
    assert.deepEqual(await projectFiles(project), ['.gitignore', 'Dockerfile', 'new.txt']);
    const first = await snapshotProject(project, server, 'ria');
    assert.equal(await snapshotProject(project, server, 'ria'), first, 'same content, same SHA');
    const { stdout } = await run('git', ['--git-dir', join(server.root, 'ria.git'), 'show', `${first}:Dockerfile`]);
    assert.equal(stdout, 'FROM y\n');
    await writeFile(join(project, 'new.txt'), 'changed\n');
    assert.notEqual(await snapshotProject(project, server, 'ria'), first);
  } finally {
    await rm(project, { recursive: true, force: true });
    await rm(server.root, { recursive: true, force: true });
  }
});

test('.dockerignore: the patterns Docker understands leave files out (directories whole, ** at any depth); an exception keeps everything', () => {
  const keep = dockerignoreFilter('# build context\nnode_modules\n/dist/\ntest\n*.log\n**/*.md\n')!;
  const files = ['Dockerfile', '.dockerignore', 'README.md', 'engine/a.ts', 'engine/controller/README.md', 'test/x.test.ts', 'dist/a.js',
    'debug.log', 'engine/debug.log', 'schemas/a.json', 'testing/a.ts'];
  assert.deepEqual(files.filter(keep), ['Dockerfile', '.dockerignore', 'engine/a.ts', 'engine/debug.log', 'schemas/a.json', 'testing/a.ts']);
  assert.equal(dockerignoreFilter('test\n!test/keep.ts\n'), undefined);
  assert.equal(dockerignoreFilter('[a-z].txt\n'), undefined);
  assert.ok(dockerignoreFilter('**/*.md\n')!('Dockerfile'), 'the Dockerfile is always sent');
});
