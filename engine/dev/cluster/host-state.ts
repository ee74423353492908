import { readFile, writeFile, readdir, rmdir, mkdir, stat } from 'node:fs/promises';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';

const run = promisify(execFile);

/**
 * What a real node changes on the host, and how it is put back. kubelet sets kernel tunables on
 * start (as on any node) and leaves them changed when it stops; containerd and kubelet mount
 * overlays, tmpfs volumes and shm under their directories; pods' processes live in cgroups
 * under the node's own cgroup root; runc shims outlive containerd. Everything here is keyed by
 * the cluster's directory and cgroup root, so two clusters on one machine never touch each
 * other's, and nothing outside them is touched at all.
 */

/** The tunables kubelet's setupKernelTunables writes (protectKernelDefaults: false). */
export const KUBELET_SYSCTLS = [
  'vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes',
] as const;

export type SysctlSnapshot = Map<string, string>;

/**
 * The host's own values, recorded once for every real node running on this machine. kubelet's
 * tunables are machine-wide: a second node started while a first runs would read the first's
 * kubelet values as "the host's" and, stopping last, put those back. So the first node records
 * the originals here with the nodes holding them; a node killed without cleaning up stays in the
 * record until the next start or stop finds its process gone; only the last live holder writes the
 * originals back. /run is emptied at boot, when the kernel's own values come back too.
 */
export const HOST_SYSCTLS_RECORD = '/run/ria-host-sysctls.json';

interface SysctlRecord { original: Record<string, string>; holders: string[] }

const alive = (holder: string): boolean => {
  const pid = Number(holder.split(':')[0]);
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
};

function readRecord(path: string): SysctlRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as SysctlRecord;
    return r && typeof r.original === 'object' && Array.isArray(r.holders) ? r : undefined;
  } catch { return undefined; }
}

/** Joins the record as `holder` (pid:name); returns the host's original values. */
export function holdSysctls(holder: string, keys: readonly string[] = KUBELET_SYSCTLS, path = HOST_SYSCTLS_RECORD): SysctlSnapshot {
  const record = readRecord(path);
  const original: Record<string, string> = { ...(record?.original ?? {}) };
  for (const key of keys) {
    if (key in original) continue; // recorded before any node of this machine changed it
    try { original[key] = readFileSync(join('/proc/sys', key), 'utf8').trim(); } catch { /* not on this kernel */ }
  }
  const holders = [...(record?.holders ?? []).filter((h) => h !== holder && alive(h)), holder];
  writeFileSync(path, JSON.stringify({ original, holders }));
  return new Map(Object.entries(original));
}

/** Leaves the record; the last live holder writes the originals back (synchronous: it also runs
 * in the exit hook). Returns `key: now -> restored` for each value it changed. */
export function releaseSysctls(holder: string, path = HOST_SYSCTLS_RECORD): string[] {
  const record = readRecord(path);
  if (!record) return [];
  const holders = record.holders.filter((h) => h !== holder && alive(h));
  if (holders.length > 0) { writeFileSync(path, JSON.stringify({ ...record, holders })); return []; }
  const changed: string[] = [];
  for (const [key, value] of Object.entries(record.original)) {
    const file = join('/proc/sys', key);
    let now = value;
    try { now = readFileSync(file, 'utf8').trim(); } catch { continue; }
    if (now === value) continue;
    try { writeFileSync(file, value); changed.push(`${key.replace(/\//g, '.')}: ${now} -> ${value}`); } catch { /* read-only */ }
  }
  rmSync(path, { force: true });
  return changed;
}

/** The v1 hierarchies (and the v2 one of a hybrid host) the node's cgroup root is made in. */
async function cgroupHierarchies(): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts.split('\n').map((l) => l.split(' ')).filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2').map((f) => f[1]!);
}

/** kubelet refuses a cgroup root that does not exist; cpuset children need cpus and mems first. */
export async function createCgroupRoot(name: string): Promise<void> {
  for (const h of await cgroupHierarchies()) {
    const dir = join(h, name);
    await mkdir(dir, { recursive: true });
    for (const f of ['cpuset.cpus', 'cpuset.mems']) {
      const parent = await readFile(join(h, f), 'utf8').catch(() => undefined);
      if (parent !== undefined && (await readFile(join(dir, f), 'utf8')).trim() === '') await writeFile(join(dir, f), parent.trim());
    }
  }
}

async function rmTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await rmTree(join(dir, e.name));
  await rmdir(dir).catch(() => {});
}

/** Pids of processes whose command line names `dir` (shims, stray node processes) or whose
 * cgroup is under `cgroupRoot` (containers). */
async function leftoverPids(dir: string, cgroupRoot: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const state = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).replace(/^.*\) /, '')[0];
    if (state === 'Z' || state === undefined) continue; // exited, waiting for its parent: nothing to kill
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    const cgroup = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
    if (cmdline.includes(dir) || cgroup.includes(`/${cgroupRoot}/`)) pids.push(pid);
  }
  return pids;
}

/**
 * After every component stopped: kill what outlived them (runc shims, containers), unmount what
 * they mounted under `dir` (deepest first, lazily: a busy mount must not stop the rest), remove
 * the node's cgroups. Returns what it did, for the log.
 */
export async function cleanUpNode(dir: string, cgroupRoot: string): Promise<string[]> {
  const done: string[] = [];
  for (let round = 0; round < 3; round++) {
    const pids = await leftoverPids(dir, cgroupRoot);
    if (pids.length === 0) break;
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    done.push(`killed ${pids.length} leftover processes`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const points = mountinfo.split('\n').map((l) => l.split(' ')[4]).filter((p): p is string => !!p && p.startsWith(`${dir}/`))
    .map((p) => p.replace(/\\040/g, ' ')).sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => {});
  if (points.length) done.push(`unmounted ${points.length} mounts under ${dir}`);
  for (const h of await cgroupHierarchies()) {
    const root = join(h, cgroupRoot);
    if (await stat(root).then(() => true, () => false)) await rmTree(root);
  }
  return done;
}
