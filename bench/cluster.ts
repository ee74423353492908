/**
 * How long the local control plane takes to be ready (binaries already built) and how much
 * memory its processes peak at (VmHWM from /proc), per mode. Prints figures; asserts nothing.
 *
 *   npm run build && node dist/bench/cluster.js
 */
import { readFileSync } from 'node:fs';
import { startLocalCluster, type ClusterMode } from '../engine/dev/cluster/local-cluster.js';
import { ensureBinaries } from '../engine/dev/cluster/binaries.js';

function peakRssMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

const binaries = await ensureBinaries();
for (const mode of ['apiserver', 'full'] as ClusterMode[]) {
  const cluster = await startLocalCluster({ mode, binaries });
  await new Promise((r) => setTimeout(r, 5_000));
  const peaks = Object.entries(cluster.pids).map(([name, pid]) => [name, peakRssMiB(pid)] as const);
  const total = peaks.reduce((sum, [, mib]) => sum + mib, 0);
  console.log(`${mode.padEnd(9)} ready in ${(cluster.startupMs / 1000).toFixed(1)} s; peak RSS ${total.toFixed(0)} MiB (${peaks.map(([n, m]) => `${n} ${m.toFixed(0)}`).join(', ')})`);
  await cluster.stop();
}
