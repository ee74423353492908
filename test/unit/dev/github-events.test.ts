/**
 * The webhooks `ria dev` sends in GitHub's place go through Ria's real webhook route: signature
 * checked, the pull request stored as the preview source reads it, the repository poked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhooks } from '@octokit/webhooks';
import { deliverWebhook, pullRequestPayload, pushPayload, signBody, type ServedRepo } from '../../../engine/dev/github-events.js';
import { webhookRoute } from '../../../engine/github/webhook-route.js';
import { registerEventHandlers } from '../../../engine/github/webhook-events.js';
import { PullRequestStore } from '../../../engine/github/pull-store.js';
import { pullFromApi } from '../../../engine/github/pull-request.js';
import { repoFromUrl } from '../../../engine/github/repo.js';
import { startHttpServer } from '../../../engine/server/http-server.js';
import { silentLogger } from '../../../engine/observe/logger.js';
import { MetricsRegistry } from '../../../engine/observe/metrics.js';
import { silentLog } from '../../../engine/controller/context.js';
import { eventually } from '../../support/kube.js';

const repo: ServedRepo = { owner: 'ria-examples', name: 'hello', cloneUrl: 'http://127.0.0.1:7080/ria-examples/hello.git' };
const SHA = 'a'.repeat(40);

async function route(secret: string) {
  const store = new PullRequestStore();
  const poked: string[] = [];
  const webhooks = new Webhooks({ secret });
  registerEventHandlers(webhooks, { engine: { poke: (url) => { poked.push(url); } }, store, log: silentLog });
  const server = await startHttpServer({ host: '127.0.0.1', port: 0, logger: silentLogger, metrics: new MetricsRegistry(), isReady: () => true,
    routes: [webhookRoute({ webhooks, secrets: secret, log: silentLog })] });
  return { store, poked, url: `${server.url}/hooks/github`, close: () => server.close() };
}

test('a pull_request payload reads as a same-repository open PR at the head commit', () => {
  const pr = pullFromApi((pullRequestPayload(repo, { action: 'opened', number: 3, headSha: SHA, headRef: 'try-it' }) as { pull_request: unknown }).pull_request);
  assert.deepEqual({ ...pr, updatedAt: undefined }, { number: 3, state: 'open', headSha: SHA, headRef: 'try-it', draft: false, labels: [], fork: false, updatedAt: undefined });
  assert.ok(Date.parse(pr.updatedAt) > 0);
  const closed = pullFromApi((pullRequestPayload(repo, { action: 'closed', number: 3, headSha: SHA, headRef: 'try-it' }) as { pull_request: unknown }).pull_request);
  assert.equal(closed.state, 'closed');
  assert.deepEqual(repoFromUrl(repo.cloneUrl, '127.0.0.1:7080'), { owner: 'ria-examples', repo: 'hello' });
});

test('signed deliveries are accepted by the webhook route: the PR is stored and the repository poked', async () => {
  const r = await route('s3cret');
  try {
    assert.equal(await deliverWebhook(r.url, 's3cret', 'pull_request', pullRequestPayload(repo, { action: 'opened', number: 1, headSha: SHA, headRef: 'try-it' })), 202);
    await eventually('PR stored', async () => r.store.open('ria-examples/hello').length === 1);
    assert.equal(r.store.open('ria-examples/hello')[0]!.pr.headSha, SHA);
    assert.equal(await deliverWebhook(r.url, 's3cret', 'push', pushPayload(repo, { ref: 'refs/heads/main', before: null, after: SHA })), 202);
    await eventually('both poked', async () => r.poked.length === 2);
    assert.deepEqual(r.poked, [repo.cloneUrl, repo.cloneUrl]);
    await deliverWebhook(r.url, 's3cret', 'pull_request', pullRequestPayload(repo, { action: 'closed', number: 1, headSha: SHA, headRef: 'try-it' }));
    await eventually('PR closed', async () => r.store.open('ria-examples/hello').length === 0);
  } finally {
    await r.close();
  }
});

test('a delivery signed with another secret is refused, and says so', async () => {
  const r = await route('right');
  try {
    await assert.rejects(deliverWebhook(r.url, 'wrong', 'push', pushPayload(repo, { ref: 'refs/heads/main', before: null, after: SHA })),
      (err: Error & { code?: string }) => err.code === 'WebhookDeliveryFailed' && /HTTP 401/.test(err.message));
    assert.deepEqual(r.poked, []);
  } finally {
    await r.close();
  }
  // GitHub's scheme: hex HMAC-SHA256 of the raw body, prefixed.
  assert.equal(signBody('key', 'body'), 'sha256=515aae133b435d4000956731f68ae5cf5eb85d4f0dc6a546d2bfcd3595ec1ae1');
});
