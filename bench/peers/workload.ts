/**
 * The workload `bench/peers.ts` gives Ria and Flux: N apps, each in its own repository, a Riofile
 * of one or two services, a tracked branch (`main`) and an untracked one (`wip`, so ref listings
 * carry more than one branch, as real repositories do); pushes go to one app at a time. Pure:
 * the same N always gives the same apps and the same push sequence.
 */
import { environmentNamespace } from '../../engine/render/names.js';

export interface BenchApp {
  /** The app's name (`<prefix>-<i>`, zero-padded so names sort in creation order). */
  name: string;
  /** Its repository on the git server (owner/name, under `acme/` as GitHub would have it). */
  repo: string;
  /** 1 or 2: every third app has one service, the rest two (web + api). */
  services: 1 | 2;
}

export const TRACKED_BRANCH = 'main';
export const UNTRACKED_BRANCH = 'wip';
export const REPO_OWNER = 'acme';

/** N apps named `<prefix>-0001`…; each engine gets its own prefix, so its namespaces are its own. */
export function benchApps(prefix: string, n: number): BenchApp[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`the number of apps must be a positive integer, not ${n}`);
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => {
    const name = `${prefix}-${String(i + 1).padStart(width, '0')}`;
    return { name, repo: `${REPO_OWNER}/${name}`, services: i % 3 === 2 ? 1 : 2 };
  });
}

/**
 * The app's Riofile at a given push `round` (0 = the first commit). A round changes one
 * environment variable of `web`, so each push rolls out one Deployment, as a typical config
 * change does; `api` stays as it is.
 */
export function riofileFor(app: BenchApp, round: number): string {
  const web = `  web:\n    image: nginx:1.27\n    ports: 80/http\n    env:\n    - ROUND=${round}\n`;
  const api = '  api:\n    image: busybox:1.36\n    command: [httpd, -f, -p, "8080"]\n    ports: 8080/http\n';
  return `services:\n${web}${app.services === 2 ? api : ''}`;
}

/** The value `ROUND` has in the applied `web` Deployment once `round` is applied. */
export const roundValue = (round: number): string => String(round);

/**
 * Ria's config repository: ria.yaml (poll interval, domain, the GitHub host so push webhooks
 * name repositories on the git server) and one apps/<name>.yaml per app.
 */
export function riaConfigFiles(apps: BenchApp[], opts: { repoUrl: (repo: string) => string; pollSeconds: number; gitHost: string; domain: string }): Record<string, string> {
  const files: Record<string, string> = {
    'ria.yaml': `pollInterval: ${opts.pollSeconds}s\ndomain: ${opts.domain}\ngithub:\n  host: ${opts.gitHost}\n`,
  };
  for (const app of apps) files[`apps/${app.name}.yaml`] = `repo: ${opts.repoUrl(app.repo)}\nbranches: [${TRACKED_BRANCH}]\n`;
  return files;
}

/**
 * Which app each push goes to: one app at a time, spread over the N apps (a stride coprime with N
 * visits different apps before any repeats), never the same app twice in a row when N > 1.
 */
export function pushSequence(n: number, pushes: number): number[] {
  if (n < 1) return [];
  let stride = Math.max(1, Math.floor(n / 3) + 1);
  while (gcd(stride, n) !== 1) stride++;
  return Array.from({ length: pushes }, (_, k) => (k * stride) % n);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The namespace the app's environment lands in (the function Ria itself uses). */
export function appNamespace(app: BenchApp): string {
  return environmentNamespace({ app: app.name, kind: 'branch', branch: TRACKED_BRANCH, commit: '0'.repeat(40) });
}

/**
 * How long to wait before each push that the engines must find by polling: spread evenly over one
 * interval in a shuffled (fixed) order, so a push lands at every phase of the engines' poll cycles
 * alike, and a figure is never an artefact of pushes falling just before (or after) a poll.
 */
export function pollPhaseDelays(count: number, intervalMs: number): number[] {
  const delays = Array.from({ length: count }, (_, k) => Math.round(((k + 0.5) / count) * intervalMs));
  // A fixed shuffle (linear congruential generator, seed 1): the same run to run.
  let seed = 1;
  for (let i = delays.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [delays[i], delays[j]] = [delays[j]!, delays[i]!];
  }
  return delays;
}
