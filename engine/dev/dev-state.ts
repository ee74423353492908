/**
 * The pointer a running `ria dev` leaves for its helper commands (`ria dev push`, `ria dev pr`)
 * run from another terminal: where the git server and the webhook route are, and which examples
 * directory is served. Not engine state: the cluster holds that. Written when `ria dev` is up,
 * removed when it stops; a file whose process is gone is stale and ignored.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { RiaError } from '../errors.js';
import type { DevConfig } from './examples.js';

export interface DevState {
  version: 1;
  pid: number;
  startedAt: string;
  /** Directory of the bare repositories (the git server's root). */
  gitRoot: string;
  gitUrl: string;
  /** The examples directory served (its working copy is what `ria dev push` commits). */
  examplesDir: string;
  kubeconfigPath: string;
  /** Ria's namespace. */
  namespace: string;
  /** POST target of GitHub-style webhooks, and the secret they are signed with. */
  webhookUrl: string;
  webhookSecret: string;
  /** How the served config differs from examples/config (its Gateway; the real node's registry and builder). */
  devConfig?: DevConfig;
}

export class DevStateError extends RiaError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super('DevNotRunning', message, data);
  }
}

/** `$RIA_CACHE_DIR/dev/state.json`, by default ~/.cache/ria/dev/state.json (the caller reads the env). */
export function defaultStatePath(cacheDir = join(homedir(), '.cache', 'ria')): string {
  return join(cacheDir, 'dev', 'state.json');
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a running `ria dev`, or undefined when there is none (no file, or a stale one). */
export async function readDevState(path: string, alive: (pid: number) => boolean = processAlive): Promise<DevState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let state: DevState;
  try {
    state = JSON.parse(text) as DevState;
  } catch {
    return undefined;
  }
  if (state.version !== 1 || typeof state.pid !== 'number' || !alive(state.pid)) return undefined;
  return state;
}

/** Like readDevState, but a missing `ria dev` is an error that says what to do. */
export async function requireDevState(path: string): Promise<DevState> {
  const state = await readDevState(path);
  if (!state) throw new DevStateError(`no running "ria dev" found (${path}); start it first with "npm start" in another terminal`, { path });
  return state;
}

/** Written atomically with mode 0600 (it holds the webhook secret). */
export async function writeDevState(path: string, state: DevState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

/** Removes the file only if it is still ours (another `ria dev` may have replaced a stale one). */
export async function removeDevState(path: string, pid = process.pid): Promise<void> {
  const current = await readFile(path, 'utf8').then((t) => JSON.parse(t) as Partial<DevState>, () => undefined);
  if (current?.pid === pid) await rm(path, { force: true });
}
