/**
 * What `ria ps` prints: one row per Environment, the same columns `kubectl get environments`
 * shows plus the reason an environment is not Ready. Pure functions of (objects, now), so the
 * formatting is tested without a cluster and without waiting for time to pass.
 */
import type { Environment } from '../crds/types.js';
import { targetLabel } from '../render/names.js';

export interface EnvironmentRow {
  namespace: string;
  name: string;
  app: string;
  target: string;
  commit: string;
  phase: string;
  url: string;
  createdAt: string | undefined;
  age: string;
  /** The Ready condition's message when the environment is not Ready; when Ready, the services whose image was reused (no build); else empty. */
  message: string;
  /** A versioned service's rollout (`v9f3c1 30% → 40%`), when the environment has one. */
  rollout?: string;
}

const HEADERS = ['APP', 'BRANCH/PR', 'COMMIT', 'PHASE', 'URL', 'AGE', 'MESSAGE'] as const;
const MAX_MESSAGE = 80;
const NONE = '-';

/**
 * kubectl's age format (HumanDuration): exact seconds while short, then coarser units, so a
 * glance at a column of ages compares like `kubectl get`.
 */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '<unknown>';
  // Clock skew makes objects created "in the future" by a second or two: show 0s, like kubectl.
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  const years = Math.floor(days / 365);
  if (seconds < 120) return `${seconds}s`;
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  if (years < 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

export function environmentRow(env: Environment, now: number): EnvironmentRow {
  const status = env.status ?? {};
  const commit = status.shortCommit ?? (status.appliedCommit ?? env.spec?.commit ?? '').slice(0, 7);
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const created = env.metadata.creationTimestamp;
  const reused = (status.builds ?? []).filter((b) => b.reused && b.commit === status.appliedCommit).map((b) => b.service);
  const message = ready && ready.status !== 'True' ? oneLine(ready.message)
    : reused.length ? oneLine(`image reused, no build: ${reused.join(', ')}`) : '';
  return {
    namespace: env.metadata.namespace ?? '',
    name: env.metadata.name,
    app: env.spec?.app ?? NONE,
    target: env.spec?.target !== undefined ? targetLabel(env.spec.kind, env.spec.target) : NONE,
    commit: commit || NONE,
    phase: status.phase ?? 'Pending',
    url: status.url ?? NONE,
    createdAt: created,
    age: created ? formatAge(now - Date.parse(created)) : '<unknown>',
    message,
    ...(status.rollout?.summary ? { rollout: status.rollout.summary } : {}),
  };
}

/** Rows in a stable order: by app, then branch/PR, then namespace. */
export function environmentRows(envs: Environment[], now: number): EnvironmentRow[] {
  return envs.map((e) => environmentRow(e, now)).sort((a, b) =>
    a.app.localeCompare(b.app) || a.target.localeCompare(b.target, undefined, { numeric: true }) || a.namespace.localeCompare(b.namespace));
}

/**
 * The table as text (with a trailing newline), or `emptyText` when there is nothing to show.
 * `urlFor` shows a URL as it is reached from here (`ria dev` on the real node: the gateway's host port).
 */
export function formatEnvironmentTable(envs: Environment[], now: number, emptyText = 'No environments found.', urlFor?: (url: string) => string): string {
  if (envs.length === 0) return `${emptyText}\n`;
  const rows = environmentRows(envs, now);
  // The ROLLOUT column appears only when some environment rolls out a versioned service.
  const withRollout = rows.some((r) => r.rollout !== undefined);
  const headers: readonly string[] = withRollout ? [...HEADERS.slice(0, 4), 'ROLLOUT', ...HEADERS.slice(4)] : HEADERS;
  const cells = rows.map((r) => [r.app, r.target, r.commit, r.phase, ...(withRollout ? [r.rollout ?? NONE] : []), urlFor && r.url !== NONE ? urlFor(r.url) : r.url, r.age, r.message]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('   ').trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

function oneLine(text: string | undefined): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE - 1)}…` : flat;
}
