/**
 * The local git server in a child process. A git host is never inside the engine's process; the
 * in-process server spawns `git http-backend` per request from the engine's event loop, and
 * with a large heap each spawn costs tens of milliseconds there, which a benchmark would count
 * as the engine's. Same interface as startGitServer; repositories are files under `root`, so
 * fixtures write them from this process as usual.
 *
 * Without a given `root`, this process makes it and removes it once the child has exited, however
 * it exited: a child killed with SIGKILL (or crashed) cannot remove anything itself, and its root
 * was left in /tmp.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DownMode, GitServer, GitServerOptions } from './git-server.js';
import { repoDirName } from './git-server.js';
import { join } from 'node:path';

type ChildMessage = { ready: { url: string; root: string } } | { done: number; counts?: Record<string, number> } | { error: string };

/** A git server in a child process; `pid` is the child's (tests kill it to see the root removed all the same). */
export async function startGitServerProcess(options: Pick<GitServerOptions, 'root' | 'auth'> = {}): Promise<GitServer & { pid: number | undefined; requestCounts(): Promise<Record<string, number>> }> {
  const ownRoot = options.root === undefined ? await mkdtemp(join(tmpdir(), 'ria-git-server-')) : undefined;
  const child = fork(fileURLToPath(new URL('./git-server-child.js', import.meta.url)), [JSON.stringify({ ...options, ...(ownRoot ? { root: ownRoot } : {}) }), ownRoot ? 'remove-root-if-orphaned' : ''], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // Settles once the child has exited and the root this process made is removed.
  const gone = new Promise<void>((resolve) => {
    child.once('exit', () => { void (ownRoot ? rm(ownRoot, { recursive: true, force: true }) : Promise.resolve()).catch(() => undefined).finally(resolve); });
  });
  let seq = 0;
  const waiting = new Map<number, (counts?: Record<string, number>) => void>();
  const ready = new Promise<{ url: string; root: string }>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`git server process exited (${code ?? signal})`)));
    child.on('message', (m: ChildMessage) => {
      if ('ready' in m) resolve(m.ready);
      else if ('done' in m) { waiting.get(m.done)?.(m.counts); waiting.delete(m.done); }
      else reject(new Error(m.error));
    });
  });
  let started: { url: string; root: string };
  try {
    started = await ready;
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await gone;
    throw err;
  }
  const { url, root } = started;
  const request = (message: object): Promise<Record<string, number> | undefined> => new Promise((resolve) => {
    const id = ++seq;
    waiting.set(id, resolve);
    child.send({ ...message, id });
  });
  return {
    url,
    root,
    urlFor: (name) => `${url}/${repoDirName(name)}`,
    pathFor: (name) => join(root, repoDirName(name)),
    setDown: async (mode: DownMode | boolean) => { await request({ setDown: mode }); },
    /** Requests answered so far, by kind (requestKind in git-server.ts). */
    requestCounts: async () => (await request({ counts: true })) ?? {},
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await gone;
    },
    pid: child.pid,
  };
}
