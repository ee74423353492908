/**
 * The table `ria dev` keeps printing: the environments as `ria ps` shows them, reprinted when a
 * row changes (an age ticking by is not a change) and at most once per interval, so a burst of
 * status writes gives one reprint. Time and timers are injected: tests never wait.
 */
import type { Environment } from '../crds/types.js';
import { environmentRows } from '../observe/environment-table.js';

export interface TablePrinterOptions {
  /** Called with the environments to print (the latest ones, after throttling). */
  print: (envs: Environment[]) => void;
  minIntervalMs?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export interface TablePrinter {
  update(envs: Environment[]): void;
  stop(): void;
}

/** What a reprint is about: every column but the age. */
export function tableSignature(envs: Environment[]): string {
  return JSON.stringify(environmentRows(envs, 0).map(({ age: _age, createdAt: _created, ...row }) => row));
}

export function createTablePrinter(options: TablePrinterOptions): TablePrinter {
  const { print, minIntervalMs = 1000, now = Date.now } = options;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  let lastPrinted: string | undefined;
  let lastAt = -Infinity;
  let pending: Environment[] | undefined;
  let timer: unknown;
  let stopped = false;

  const flush = () => {
    timer = undefined;
    if (stopped || !pending) return;
    const envs = pending;
    pending = undefined;
    const signature = tableSignature(envs);
    if (signature === lastPrinted) return;
    lastPrinted = signature;
    lastAt = now();
    print(envs);
  };

  return {
    update(envs) {
      if (stopped) return;
      pending = envs;
      if (timer !== undefined) return;
      const wait = lastAt + minIntervalMs - now();
      if (wait <= 0) flush();
      else timer = setTimer(flush, wait);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimer(timer);
      timer = undefined;
    },
  };
}

export interface Readiness {
  ready: boolean;
  /** Apps with no environment yet. */
  missing: string[];
  /** `<app>/<target>` of environments not Ready. */
  notReady: string[];
}

/** Every app has an environment and every environment is Ready. */
export function environmentsReady(envs: Environment[], apps: string[]): Readiness {
  const missing = apps.filter((a) => !envs.some((e) => e.spec?.app === a));
  const notReady = envs.filter((e) => e.status?.phase !== 'Ready').map((e) => `${e.spec?.app}/${e.spec?.target}`).sort();
  return { ready: missing.length === 0 && notReady.length === 0, missing, notReady };
}
