/**
 * The webhooks `ria dev` sends in GitHub's place: `push` and `pull_request`, shaped like GitHub's
 * (the fields Ria reads, with GitHub's names and types) and signed the way GitHub signs them
 * (HMAC-SHA256 of the raw body in X-Hub-Signature-256).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { RiaError } from '../errors.js';

export interface ServedRepo {
  owner: string;
  name: string;
  /** The clone URL (what the app's `repo:` says). */
  cloneUrl: string;
}

export interface PullEvent {
  action: 'opened' | 'synchronize' | 'closed' | 'reopened';
  number: number;
  headSha: string;
  headRef: string;
  baseRef?: string;
  title?: string;
}

export class WebhookDeliveryError extends RiaError {
  constructor(message: string, data: Record<string, unknown>) {
    super('WebhookDeliveryFailed', message, data);
  }
}

/** A stable numeric id per repository name (GitHub payloads carry one; forks are told apart by it). */
function repoId(repo: ServedRepo): number {
  let h = 0;
  for (const ch of `${repo.owner}/${repo.name}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return (h % 900_000_000) + 100_000;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

function repository(repo: ServedRepo): Record<string, unknown> {
  const fullName = `${repo.owner}/${repo.name}`;
  return {
    id: repoId(repo), name: repo.name, full_name: fullName, private: false, fork: false,
    owner: { login: repo.owner, type: 'Organization' },
    html_url: repo.cloneUrl.replace(/\.git$/, ''), clone_url: repo.cloneUrl, git_url: repo.cloneUrl,
    default_branch: 'main',
  };
}

export function pushPayload(repo: ServedRepo, push: { ref: string; before: string | null; after: string }): Record<string, unknown> {
  const zero = '0'.repeat(40);
  return {
    ref: push.ref, before: push.before ?? zero, after: push.after,
    created: push.before === null, deleted: false, forced: false,
    repository: repository(repo), pusher: { name: 'ria-dev' }, sender: { login: 'ria-dev', type: 'User' },
    head_commit: { id: push.after, timestamp: now() }, commits: [],
  };
}

export function pullRequestPayload(repo: ServedRepo, pr: PullEvent): Record<string, unknown> {
  const repoObject = repository(repo);
  const closed = pr.action === 'closed';
  return {
    action: pr.action, number: pr.number,
    pull_request: {
      number: pr.number, state: closed ? 'closed' : 'open', draft: false, merged: false, locked: false,
      title: pr.title ?? pr.headRef, user: { login: 'ria-dev', type: 'User' },
      labels: [], updated_at: now(), created_at: now(), closed_at: closed ? now() : null,
      html_url: `${repoObject.html_url as string}/pull/${pr.number}`,
      head: { ref: pr.headRef, sha: pr.headSha, label: `${repo.owner}:${pr.headRef}`, repo: repoObject },
      base: { ref: pr.baseRef ?? 'main', label: `${repo.owner}:${pr.baseRef ?? 'main'}`, repo: repoObject },
    },
    repository: repoObject, sender: { login: 'ria-dev', type: 'User' },
  };
}

/** GitHub's X-Hub-Signature-256 value for a body. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs one delivery as GitHub does; resolves to the HTTP status (202 when Ria accepted it). */
export async function deliverWebhook(url: string, secret: string, event: 'push' | 'pull_request', payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/ria-dev',
        'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signBody(secret, body),
      },
      body,
    });
  } catch (err) {
    throw new WebhookDeliveryError(`cannot reach ria dev's webhook route ${url}: ${(err as Error).message}`, { url, event });
  }
  const text = await res.text();
  if (res.status >= 300) throw new WebhookDeliveryError(`webhook ${event} refused: HTTP ${res.status} ${text.trim()}`, { url, event, status: res.status });
  return res.status;
}
