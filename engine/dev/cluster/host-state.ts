import { readFile, writeFile, readdir, rmdir, mkdir, stat } from 'node:fs/promises';
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

export async function saveSysctls(keys: readonly string[] = KUBELET_SYSCTLS): Promise<SysctlSnapshot> {
  const saved: SysctlSnapshot = new Map();
  for (const key of keys) {
    const value = await readFile(join('/proc/sys', key), 'utf8').catch(() => undefined);
    if (value !== undefined) saved.set(key, value.trim());
  }
  return saved;
}

/** Writes back the values that changed; returns `key: now -> restored` for each. */
export async function restoreSysctls(saved: SysctlSnapshot): Promise<string[]> {
  const changed: string[] = [];
  for (const [key, value] of saved) {
    const path = join('/proc/sys', key);
    const now = (await readFile(path, 'utf8').catch(() => value)).trim();
    if (now === value) continue;
    await writeFile(path, value).then(() => changed.push(`${key.replace(/\//g, '.')}: ${now} -> ${value}`), () => {});
  }
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
