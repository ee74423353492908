/**
 * `--pprof DIR`: Go CPU profiles of the control plane's servers (kube-apiserver, etcd) during each
 * phase of the bench (the floor, each engine's cold start), to say where the API server's CPU goes
 * and what an engine costs it beyond the floor. Each server is profiled in back-to-back windows
 * (`/debug/pprof/profile?seconds=W`) from the phase's start until its end; the last window runs
 * to its end (up to W seconds past the phase, when the cluster is nearly quiet). The windows are
 * merged into `DIR/<phase>-<server>.pb.gz` with `go tool pprof -proto` when `go` is on the PATH:
 *
 *   go tool pprof -top -cum DIR/ria-kube-apiserver.pb.gz
 *   go tool pprof -top -diff_base DIR/floor-kube-apiserver.pb.gz DIR/ria-kube-apiserver.pb.gz
 *
 * The same profiling runs in every phase (a few per cent of each server's CPU), so phases stay
 * comparable; without `--pprof` nothing is profiled.
 */
import { execFile } from 'node:child_process';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A server's profile of the next `seconds` (the answer comes when they are over). */
export type ProfileSource = (seconds: number) => Promise<Buffer>;

export interface PhaseProfiles {
  /** Waits for each server's current window, merges the windows; the merged files (or the windows, without `go`). */
  stop(): Promise<string[]>;
}

export function profilePhase(o: { dir: string; phase: string; sources: Record<string, ProfileSource>; windowS?: number; onError?: (l: string) => void }): PhaseProfiles {
  const windowS = o.windowS ?? 10;
  let stopping = false;
  const loops = Object.entries(o.sources).map(async ([server, source]) => {
    const windows: string[] = [];
    while (!stopping) {
      try {
        const file = join(o.dir, `${o.phase}-${server}-${windows.length}.pb.gz`);
        await writeFile(file, await source(windowS));
        windows.push(file);
      } catch (err) {
        o.onError?.(`pprof: ${server} not profiled: ${(err as Error).message}`);
        break;
      }
    }
    return { server, windows };
  });
  return {
    async stop() {
      stopping = true;
      const out: string[] = [];
      for (const { server, windows } of await Promise.all(loops)) {
        if (!windows.length) continue;
        const merged = join(o.dir, `${o.phase}-${server}.pb.gz`);
        try {
          await run('go', ['tool', 'pprof', '-proto', ...windows], { maxBuffer: 256 * 2 ** 20, encoding: 'buffer' }).then(({ stdout }) => writeFile(merged, stdout));
          await Promise.all(windows.map((w) => rm(w)));
          out.push(merged);
        } catch (err) {
          o.onError?.(`pprof: ${server}'s windows not merged (${(err as Error).message.split('\n')[0]}); kept as they are`);
          out.push(...windows);
        }
      }
      return out;
    },
  };
}

/** A profile from a plain HTTP server's /debug/pprof (etcd with --enable-pprof). */
export function httpProfileSource(baseUrl: string): ProfileSource {
  return async (seconds) => {
    const res = await fetch(`${baseUrl}/debug/pprof/profile?seconds=${seconds}`);
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${baseUrl}`);
    return Buffer.from(await res.arrayBuffer());
  };
}
