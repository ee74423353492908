/** What Ria needs to know about a pull request, from a webhook payload or the REST list. */
export interface PullRequest {
  number: number;
  state: 'open' | 'closed';
  headSha: string;
  headRef: string;
  draft: boolean;
  labels: string[];
  /** The head branch lives in another repository (or a deleted one): untrusted code. */
  fork: boolean;
  /** GitHub's updated_at (ISO). */
  updatedAt: string;
}

interface ApiPull {
  number: number;
  state: string;
  draft?: boolean;
  updated_at: string;
  labels?: Array<{ name?: string } | string>;
  head: { sha: string; ref: string; repo?: { full_name?: string; id?: number } | null };
  base: { repo: { full_name?: string; id?: number } };
}

/** The same shape comes in `pull_request` webhooks and `GET /repos/{o}/{r}/pulls`. */
export function pullFromApi(raw: unknown): PullRequest {
  const p = raw as ApiPull;
  const headRepo = p.head.repo;
  // A deleted fork has head.repo = null: treat as a fork (nobody we trust owns that code).
  const fork = !headRepo || (headRepo.id !== undefined && p.base.repo.id !== undefined
    ? headRepo.id !== p.base.repo.id
    : headRepo.full_name?.toLowerCase() !== p.base.repo.full_name?.toLowerCase());
  return {
    number: p.number,
    state: p.state === 'open' ? 'open' : 'closed',
    headSha: p.head.sha,
    headRef: p.head.ref,
    draft: p.draft === true,
    labels: (p.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name ?? '')).filter(Boolean),
    fork,
    updatedAt: p.updated_at,
  };
}
