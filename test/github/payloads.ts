/**
 * Real webhook payloads (@octokit/webhooks-examples, GitHub's own examples) re-pointed at the
 * local git server, and GitHub's HMAC-SHA256 signature. Only the fields a test is about are
 * changed; everything else stays as GitHub sends it.
 */
import { createHmac } from 'node:crypto';
import examples from '@octokit/webhooks-examples/api.github.com/index.json' with { type: 'json' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface RepoFixture {
  owner: string;
  name: string;
  /** The repository's clone URL on the local git server (what the app's `repo:` says). */
  cloneUrl: string;
  id: number;
}

export interface PullFixture {
  number: number;
  headSha: string;
  headRef?: string;
  fork?: boolean;
  draft?: boolean;
  labels?: string[];
  state?: 'open' | 'closed';
  merged?: boolean;
  updatedAt?: string;
}

function example(name: string, action?: string): Json {
  const def = (examples as unknown as Array<{ name: string; examples: Json[] }>).find((e) => e.name === name);
  const found = def?.examples.find((x) => action === undefined || x.action === action);
  if (!found) throw new Error(`no @octokit/webhooks-examples example for ${name}${action ? `.${action}` : ''}`);
  return structuredClone(found);
}

export function githubUser(): Json {
  return example('ping').sender;
}

function repository(base: Json, repo: RepoFixture): Json {
  const fullName = `${repo.owner}/${repo.name}`;
  return { ...base, id: repo.id, name: repo.name, full_name: fullName, clone_url: repo.cloneUrl, html_url: repo.cloneUrl.replace(/\.git$/, ''),
    git_url: repo.cloneUrl, url: `https://api.github.com/repos/${fullName}`, owner: { ...base.owner, login: repo.owner } };
}

/** A `pull_request` event with the given action. */
export function pullRequestPayload(action: string, repo: RepoFixture, pr: PullFixture): Json {
  const payload = example('pull_request', action);
  payload.number = pr.number;
  payload.repository = repository(payload.repository, repo);
  payload.pull_request = restPull(repo, pr, payload.pull_request);
  return payload;
}

/** A pull request object as `GET /repos/{o}/{r}/pulls` and the webhooks carry it. */
export function restPull(repo: RepoFixture, pr: PullFixture, base: Json = example('pull_request', 'opened').pull_request): Json {
  const p = structuredClone(base);
  const baseRepo = repository(p.base.repo, repo);
  const forkRepo = { ...baseRepo, id: repo.id + 1_000_000, name: repo.name, full_name: `someone-else/${repo.name}`, fork: true,
    owner: { ...baseRepo.owner, login: 'someone-else', id: 9_999_999 } };
  const state = pr.state ?? 'open';
  return {
    ...p, auto_merge: null, number: pr.number, state, draft: pr.draft ?? false, merged: pr.merged ?? false,
    updated_at: pr.updatedAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    closed_at: state === 'closed' ? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') : null,
    labels: (pr.labels ?? []).map((name, i) => ({ id: 100 + i, node_id: `LA_${i}`, url: `https://api.github.com/labels/${name}`, name, color: 'ededed', default: false, description: '' })),
    head: { ...p.head, sha: pr.headSha, ref: pr.headRef ?? `feature-${pr.number}`, label: `${pr.fork ? 'someone-else' : repo.owner}:${pr.headRef ?? `feature-${pr.number}`}`, repo: pr.fork ? forkRepo : baseRepo },
    base: { ...p.base, ref: 'main', repo: baseRepo },
  };
}

export function pushPayload(repo: RepoFixture, push: { ref: string; after: string; before?: string; deleted?: boolean }): Json {
  const payload = example('push');
  payload.ref = push.ref;
  payload.after = push.deleted ? '0'.repeat(40) : push.after;
  payload.before = push.before ?? '0'.repeat(40);
  payload.deleted = push.deleted ?? false;
  payload.created = false;
  payload.repository = repository(payload.repository, repo);
  return payload;
}

export function pingPayload(repo: RepoFixture): Json {
  const payload = example('ping');
  payload.repository = repository(payload.repository, repo);
  return payload;
}

/** Any other event GitHub may send (Ria ignores it). */
export function examplePayload(name: string, action?: string): Json {
  return example(name, action);
}

/** X-Hub-Signature-256 as GitHub computes it: HMAC-SHA256 of the raw body with the hook's secret. */
export function sign(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
