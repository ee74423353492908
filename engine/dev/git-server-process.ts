/**
 * The local git server in a child process. A git host is never inside the engine's process; the
 * in-process server spawns `git http-backend` per request from the engine's event loop, and
 * with a large heap each spawn costs tens of milliseconds there, which a benchmark would count
 * as the engine's. Same interface as startGitServer; repositories are files under `root`, so
 * fixtures write them from this process as usual.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DownMode, GitServer, GitServerOptions } from './git-server.js';
import { repoDirName } from './git-server.js';
import { join } from 'node:path';

type ChildMessage = { ready: { url: string; root: string } } | { done: number } | { error: string };

export async function startGitServerProcess(options: Pick<GitServerOptions, 'root' | 'auth'> = {}): Promise<GitServer> {
  const child = fork(fileURLToPath(new URL('./git-server-child.js', import.meta.url)), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let seq = 0;
  const waiting = new Map<number, () => void>();
  const ready = new Promise<{ url: string; root: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`git server process exited (${code})`)));
    child.on('message', (m: ChildMessage) => {
      if ('ready' in m) resolve(m.ready);
      else if ('done' in m) { waiting.get(m.done)?.(); waiting.delete(m.done); }
      else reject(new Error(m.error));
    });
  });
  const { url, root } = await ready;
  const request = (message: object): Promise<void> => new Promise((resolve) => {
    const id = ++seq;
    waiting.set(id, resolve);
    child.send({ ...message, id });
  });
  return {
    url,
    root,
    urlFor: (name) => `${url}/${repoDirName(name)}`,
    pathFor: (name) => join(root, repoDirName(name)),
    setDown: (mode: DownMode | boolean) => request({ setDown: mode }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
