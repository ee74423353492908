/** Shared setup for the git integration tests: a real git server, a git client, temp dirs. */
import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'isomorphic-git/http/node';
import { startGitServer, type GitServer, type GitServerOptions, type RequestInfo } from '../../../engine/dev/git-server.js';
import { createGitClient, type GitClient } from '../../../engine/git/index.js';

export interface GitHarness {
  server: GitServer;
  git: GitClient;
  requests: RequestInfo[];
  /** A fresh, empty cache directory. */
  cacheDir(): Promise<string>;
  close(): Promise<void>;
}

export async function gitHarness(options: GitServerOptions & { timeoutMs?: number } = {}): Promise<GitHarness> {
  const requests: RequestInfo[] = [];
  const server = await startGitServer({ ...options, onRequest: (info) => requests.push(info) });
  const dirs: string[] = [server.root];
  return {
    server,
    git: createGitClient({ fs, http, timeoutMs: options.timeoutMs ?? 10_000 }),
    requests,
    async cacheDir() {
      const dir = await mkdtemp(join(tmpdir(), 'ria-git-cache-'));
      dirs.push(dir);
      return dir;
    },
    async close() {
      await server.stop();
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

/** Rejects with the error `fn` throws; fails when it does not throw. */
export async function caught(fn: () => Promise<unknown>): Promise<Error & { code: string; data: Record<string, unknown>; retryable?: boolean }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code: string; data: Record<string, unknown>; retryable?: boolean };
  }
  throw new Error('expected an error, got success');
}
