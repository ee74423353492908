import type { AppSpec } from '../crds/types.js';
import { parseDuration } from '../config/duration.js';
import type { PullRequest } from './pull-request.js';

/** apps/<name>.yaml `previews:` with defaults (config.schema.json describes each key). */
export interface PreviewConfig {
  enabled: boolean;
  forks: boolean;
  forkLabel?: string;
  drafts: boolean;
  labels: string[];
  ttlMs?: number;
  quota?: Record<string, string>;
  /** Secrets (of the app's secretsFrom namespace) a preview may receive. Default none. */
  secretsFrom: string[];
}

export function previewConfig(spec: Pick<AppSpec, 'previews'>): PreviewConfig {
  const p = (spec.previews ?? {}) as Record<string, unknown>;
  return {
    enabled: p.enabled === true,
    forks: p.forks === true,
    ...(typeof p.forkLabel === 'string' ? { forkLabel: p.forkLabel } : {}),
    drafts: p.drafts === true,
    labels: Array.isArray(p.labels) ? p.labels.filter((l): l is string => typeof l === 'string') : [],
    ...(typeof p.ttl === 'string' ? { ttlMs: parseDuration(p.ttl) } : {}),
    ...(p.quota && typeof p.quota === 'object' ? { quota: p.quota as Record<string, string> } : {}),
    secretsFrom: Array.isArray(p.secretsFrom) ? p.secretsFrom.filter((s): s is string => typeof s === 'string') : [],
  };
}

export const SkipReason = { Fork: 'Fork', Draft: 'Draft', Label: 'LabelMissing', Stale: 'Stale' } as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

export type PreviewDecision = { build: true } | { build: false; reason: SkipReason; description: string };

/**
 * Pure: whether an open PR gets a preview. Order matters: the fork check comes first because it
 * is the safety one (a fork's code must not run in the cluster unless a maintainer said so).
 * Descriptions become commit statuses, so they say what to do and stay under 140 characters.
 */
export function decidePreview(pr: PullRequest, config: PreviewConfig, headSince: number, now: number, labelHeads?: ReadonlyMap<string, string>): PreviewDecision {
  const has = (label: string) => pr.labels.some((l) => l.toLowerCase() === label.toLowerCase());
  if (pr.fork && !config.forks) {
    const label = config.forkLabel;
    if (!label) return { build: false, reason: SkipReason.Fork, description: 'preview not built: pull requests from forks are not built for this app' };
    if (!has(label)) return { build: false, reason: SkipReason.Fork, description: `preview not built: pull request from a fork; a maintainer can add the label "${label}"` };
    // The label vouches for the commit it was added on, not for what the fork pushes later.
    // Unknown means not vouched: a label Ria did not see being added (nor recorded in the cluster
    // for this very commit) could be older than the fork's last push.
    const vouched = labelHeads?.get(label.toLowerCase());
    if (vouched === undefined) {
      return { build: false, reason: SkipReason.Fork, description: `preview not built: fork pull request; Ria has not seen "${label}" added at this commit; a maintainer can remove and re-add it` };
    }
    if (vouched !== pr.headSha) {
      return { build: false, reason: SkipReason.Fork, description: `preview not built: new commits on a fork since "${label}" was added; a maintainer can remove and re-add it` };
    }
  }
  if (pr.draft && !config.drafts) {
    return { build: false, reason: SkipReason.Draft, description: 'preview not built: draft pull request; mark it ready for review' };
  }
  const missing = config.labels.filter((l) => !has(l));
  if (missing.length) {
    return { build: false, reason: SkipReason.Label, description: `preview not built: needs the label${missing.length > 1 ? 's' : ''} ${missing.map((l) => `"${l}"`).join(', ')}` };
  }
  if (config.ttlMs !== undefined && now - headSince > config.ttlMs) {
    return { build: false, reason: SkipReason.Stale, description: `preview removed: no new commit for ${formatMs(config.ttlMs)}; push a commit to bring it back` };
  }
  return { build: true };
}

function formatMs(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
