import { Writable } from 'node:stream';
import type { CommandIO } from '../../engine/cli/command.js';

/** A CommandIO whose output is captured in strings, for CLI tests. */
export function captureIO(cwd = process.cwd()): CommandIO & { out(): string; err(): string } {
  let out = '';
  let err = '';
  const sink = (append: (s: string) => void) => new Writable({ write(chunk, _enc, cb) { append(String(chunk)); cb(); } });
  return {
    cwd,
    stdout: sink((s) => { out += s; }),
    stderr: sink((s) => { err += s; }),
    out: () => out,
    err: () => err,
  };
}
