/** CPU ticks and RSS of running processes, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuTicksFromStat, rssMiBFromStatus } from './figures.js';

export const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface ProcSample { ticks: number; rssMiB: number }

/** With `children`, the CPU of its exited children counts too (the git server's `git` processes). */
export function sample(pid: number, children = false): ProcSample {
  return {
    ticks: cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'), children),
    rssMiB: rssMiBFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
  };
}

/** CPU ticks of named processes now (those with `+` at the end of their name with their children's); gone ones are left out. */
export function cpuTicks(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    try { out[name] = sample(pid, name.endsWith('+')).ticks; } catch { /* exited */ }
  }
  return out;
}

/** CPU seconds of each process between two `cpuTicks` readings. */
export function cpuSecondsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, t] of Object.entries(after)) if (before[name] !== undefined) out[name] = (t - before[name]!) / TICKS_PER_SECOND;
  return out;
}
