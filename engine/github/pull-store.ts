import type { PullRequest } from './pull-request.js';

/** `labelHeads`: label -> the head commit when the label was first seen on the PR. */
interface Entry { pr: PullRequest; receivedAt: number; headSince: number; labelHeads: Map<string, string> }

/** An open PR as the preview source needs it. */
export interface OpenPull { pr: PullRequest; headSince: number; labelHeads: ReadonlyMap<string, string> }
interface RepoState { prs: Map<number, Entry>; etag?: string; polledAt?: number; listed: boolean }

/**
 * What Ria knows about each repository's pull requests, merged from webhooks (instant) and the
 * REST list (the safety net). Memory only: after a restart the first poll rebuilds it; fork vouches
 * are restored from the preview Environments' `spec.vouchedCommit` (see preview-source.ts).
 */
export class PullRequestStore {
  private readonly repos = new Map<string, RepoState>();

  constructor(private readonly now: () => number = Date.now) {}

  private state(repo: string): RepoState {
    let s = this.repos.get(repo);
    if (!s) { s = { prs: new Map(), listed: false }; this.repos.set(repo, s); }
    return s;
  }

  /** A `pull_request` webhook: the newest word on that PR. */
  fromWebhook(repo: string, pr: PullRequest): void {
    this.put(this.state(repo), pr, this.now());
  }

  /**
   * A full list of open PRs, requested at `requestedAt`. PRs missing from it are closed, except
   * those a webhook told us about after the request left (the list may predate a reopen).
   */
  fromList(repo: string, open: PullRequest[], requestedAt: number, etag?: string): void {
    const s = this.state(repo);
    const seen = new Set(open.map((p) => p.number));
    for (const pr of open) {
      const known = s.prs.get(pr.number);
      if (known && known.receivedAt > requestedAt) continue;
      this.put(s, pr, requestedAt);
    }
    for (const [n, e] of s.prs) if (!seen.has(n) && e.receivedAt <= requestedAt) s.prs.delete(n);
    s.listed = true;
    s.polledAt = requestedAt;
    if (etag) s.etag = etag; else delete s.etag;
  }

  /** A 304 to the conditional list: nothing changed, but the poll counts. */
  notModified(repo: string, requestedAt: number): void {
    this.state(repo).polledAt = requestedAt;
  }

  etag(repo: string): string | undefined { return this.repos.get(repo)?.etag; }
  polledAt(repo: string): number | undefined { return this.repos.get(repo)?.polledAt; }
  /** True once the repo's open PRs are known (a list succeeded, or a webhook said something). */
  known(repo: string): boolean { const s = this.repos.get(repo); return !!s && (s.listed || s.prs.size > 0); }

  /** True once a full list was read: until then the store knows only what webhooks said. */
  listed(repo: string): boolean { return this.repos.get(repo)?.listed ?? false; }
  /** Whether the store has heard of this PR at all (open or closed). */
  mentioned(repo: string, n: number): boolean { return this.repos.get(repo)?.prs.has(n) ?? false; }

  /** Open PRs with the time their current head commit was first seen (for the preview TTL). */
  open(repo: string): OpenPull[] {
    return [...(this.repos.get(repo)?.prs.values() ?? [])].filter((e) => e.pr.state === 'open').map((e) => ({ pr: e.pr, headSince: e.headSince, labelHeads: e.labelHeads }))
      .sort((a, b) => a.pr.number - b.pr.number);
  }

  private put(s: RepoState, pr: PullRequest, at: number): void {
    const known = s.prs.get(pr.number);
    // First sight of a head: GitHub's updated_at is the best guess of when it was pushed.
    const headSince = known && known.pr.headSha === pr.headSha ? known.headSince
      : known ? at : Math.min(at, Date.parse(pr.updatedAt) || at);
    // A label vouches for the commit it was added on (a maintainer's "safe to preview" of a fork
    // must not carry over to commits pushed after it). Removed labels are forgotten, so re-adding
    // one vouches for the head of that moment. Labels lower-cased: GitHub compares them so.
    // A label present the first time Ria sees the PR (after a restart, a failover, or a PR Ria
    // never saw before) vouches for nothing: who added it, and on which commit, is unknown. The
    // preview source may restore it from the record kept in the cluster ({@link vouch}).
    const before = new Set(known?.pr.labels.map((l) => l.toLowerCase()) ?? []);
    const labelHeads = new Map<string, string>();
    for (const label of pr.labels.map((l) => l.toLowerCase())) {
      const kept = known?.labelHeads.get(label);
      if (kept !== undefined) labelHeads.set(label, kept);
      else if (known && !before.has(label)) labelHeads.set(label, pr.headSha);
    }
    s.prs.set(pr.number, { pr, receivedAt: at, headSince, labelHeads });
  }

  /**
   * Restores a vouch recorded in the cluster: `label` vouches for `sha` when the PR still carries
   * the label and its head is still `sha`. Anything else records nothing.
   */
  vouch(repo: string, n: number, label: string, sha: string): void {
    const e = this.repos.get(repo)?.prs.get(n);
    const l = label.toLowerCase();
    if (!e || e.pr.headSha !== sha || !e.pr.labels.some((x) => x.toLowerCase() === l) || e.labelHeads.has(l)) return;
    e.labelHeads.set(l, sha);
  }
}
