import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { ClusterComponentError } from './errors.js';

interface Managed {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: boolean;
  exitCode: number | null;
  stopping: boolean;
}

/** Every live group, so an exiting parent can kill what it started even when nobody called stop(). */
const liveGroups = new Set<ProcessGroup>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL each remaining pid so no component outlives us.
  process.on('exit', () => { for (const g of liveGroups) g.killNow(); });
  // A signal ends node without 'exit' handlers (a `timeout`, a closed terminal): stop the
  // components first. When the program has its own handler (ria dev, the test runner) it decides
  // when to exit; otherwise exit as the default action would have. SIGKILL cannot be caught.
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130], ['SIGHUP', 129]] as const) {
    const onSignal = () => {
      for (const g of liveGroups) g.killNow();
      if (process.listenerCount(signal) === 1) process.exit(code);
    };
    process.on(signal, onSignal);
  }
}

/**
 * The processes of one local cluster. Each is started with its output in its own log file and
 * is stopped by its own pid (SIGTERM, then SIGKILL after a grace period), in reverse start order.
 */
export class ProcessGroup {
  private readonly procs: Managed[] = [];

  constructor() {
    installExitHook();
    liveGroups.add(this);
  }

  get pids(): Record<string, number> {
    return Object.fromEntries(this.procs.filter((p) => !p.exited && p.child.pid).map((p) => [p.name, p.child.pid!]));
  }

  start(name: string, command: string, args: string[], logFile: string): Managed {
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ['ignore', fd, fd], env: { ...process.env } });
    } finally {
      closeSync(fd);
    }
    const managed: Managed = { name, child, logFile, exited: false, exitCode: null, stopping: false };
    child.on('exit', (code) => { managed.exited = true; managed.exitCode = code; });
    child.on('error', () => { managed.exited = true; });
    this.procs.push(managed);
    return managed;
  }

  /** Throws a ClusterComponentError naming the component and its log if it has died. */
  checkAlive(name: string): void {
    const p = this.procs.find((x) => x.name === name);
    if (p && p.exited && !p.stopping) {
      throw new ClusterComponentError(name, `exited during start (code ${p.exitCode ?? 'signal'}); last log lines:\n${tail(p.logFile, 15)}`, p.logFile);
    }
  }

  checkAllAlive(): void {
    for (const p of this.procs) this.checkAlive(p.name);
  }

  async stop(graceMs = 5000): Promise<void> {
    for (const p of [...this.procs].reverse()) {
      if (p.exited) continue;
      p.stopping = true;
      p.child.kill('SIGTERM');
      const done = await waitExit(p, graceMs);
      if (!done) { p.child.kill('SIGKILL'); await waitExit(p, 2000); }
    }
    liveGroups.delete(this);
  }

  killNow(): void {
    for (const p of this.procs) if (!p.exited) { try { p.child.kill('SIGKILL'); } catch { /* already gone */ } }
  }
}

function waitExit(p: Managed, ms: number): Promise<boolean> {
  if (p.exited) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    p.child.once('exit', () => { clearTimeout(timer); resolve(true); });
  });
}

export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  } catch {
    return '    (no log)';
  }
}
