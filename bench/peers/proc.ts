/** CPU ticks and RSS of running processes, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpuTicksFromStat, rssMiBFromStatus } from './figures.js';

export const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface ProcSample { ticks: number; rssMiB: number }

export function sample(pid: number): ProcSample {
  return {
    ticks: cpuTicksFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    rssMiB: rssMiBFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
  };
}
