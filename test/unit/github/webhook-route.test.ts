import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhooks } from '@octokit/webhooks';
import { startHttpServer, type RunningHttpServer } from '../../../engine/server/http-server.js';
import { silentLogger } from '../../../engine/observe/logger.js';
import { MetricsRegistry } from '../../../engine/observe/metrics.js';
import { webhookRoute } from '../../../engine/github/webhook-route.js';
import { registerEventHandlers } from '../../../engine/github/webhook-events.js';
import { PullRequestStore } from '../../../engine/github/pull-store.js';
import { examplePayload, pingPayload, pullRequestPayload, pushPayload, sign, type RepoFixture } from '../../github/payloads.js';

const SECRET = 'test-webhook-secret';
const repo: RepoFixture = { owner: 'acme', name: 'shop', cloneUrl: 'https://github.com/acme/shop.git', id: 7 };
let server: RunningHttpServer;
let pokes: string[];
let branchPushes: string[];
let deliveries: Array<[string, string]>;
let store: PullRequestStore;
let slowHandler: Promise<void> | undefined;
let tip: string | undefined;

before(async () => {
  const webhooks = new Webhooks({ secret: SECRET });
  store = new PullRequestStore();
  // The fake engine's fetch finds `tip` at the ref's tip (the pushed SHA unless a test says otherwise).
  registerEventHandlers(webhooks, { engine: { poke: (url, push) => { pokes.push(url); return push ? Promise.resolve(tip ?? push.sha) : undefined; } }, store, log: silentLogger,
    onBranchPush: (p) => branchPushes.push(`${p.branch}@${p.sha.slice(0, 1)}`) });
  webhooks.on('push', async () => { await slowHandler; });
  server = await startHttpServer({ port: 0, host: '127.0.0.1', logger: silentLogger, metrics: new MetricsRegistry(), isReady: () => true,
    routes: [webhookRoute({ webhooks, secrets: SECRET, log: silentLogger, metrics: { recordWebhookDelivery: (e, r) => deliveries.push([e, r]) }, maxBytes: 25 * 1024 * 1024 })] });
});
after(() => server.close());
beforeEach(() => { pokes = []; branchPushes = []; deliveries = []; slowHandler = undefined; tip = undefined; });

async function post(event: string, body: string | Buffer, o: { signature?: string | null; id?: string; contentType?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': o.contentType ?? 'application/json', 'x-github-event': event, 'x-github-delivery': o.id ?? `d-${Math.random()}` };
  const signature = o.signature === undefined ? sign(SECRET, body) : o.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const res = await fetch(`${server.url}/hooks/github`, { method: 'POST', headers, body });
  return { status: res.status, text: await res.text() };
}
const settle = () => new Promise((r) => setTimeout(r, 50));

test('a signed push is acknowledged 202 and pokes the repository', async () => {
  const res = await post('push', JSON.stringify(pushPayload(repo, { ref: 'refs/heads/main', after: 'a'.repeat(40) })));
  assert.equal(res.status, 202);
  await settle();
  assert.deepEqual(pokes, [repo.cloneUrl]);
  assert.deepEqual(branchPushes, ['main@a'], 'the pushed commit can be reported as queued');
  assert.deepEqual(deliveries, [['push', 'accepted']]);
});

test('a push whose SHA is not the branch tip (replayed, or naming another commit) gets no queued status (review)', async () => {
  tip = 'f'.repeat(40);
  const res = await post('push', JSON.stringify(pushPayload(repo, { ref: 'refs/heads/main', after: '1'.repeat(40) })));
  assert.equal(res.status, 202);
  await settle();
  assert.deepEqual(pokes, [repo.cloneUrl], 'the repository is still looked at (the listing is the truth)');
  assert.deepEqual(branchPushes, [], 'no pending status on a commit git does not have at the tip');
});

test('a deleted branch and a tag poke too (the listing then drops or ignores them)', async () => {
  await post('push', JSON.stringify(pushPayload(repo, { ref: 'refs/heads/feature', after: '', deleted: true })));
  await post('push', JSON.stringify(pushPayload(repo, { ref: 'refs/tags/v1', after: 'c'.repeat(40) })));
  await settle();
  assert.deepEqual(pokes, [repo.cloneUrl, repo.cloneUrl]);
  assert.deepEqual(branchPushes, [], 'no commit to queue for a deleted branch or a tag');
});

test('the answer does not wait for the work', async () => {
  let release!: () => void;
  slowHandler = new Promise((r) => { release = r; });
  const started = Date.now();
  const res = await post('push', JSON.stringify(pushPayload(repo, { ref: 'refs/heads/main', after: 'b'.repeat(40) })));
  assert.equal(res.status, 202);
  assert.ok(Date.now() - started < 1_000);
  release();
});

test('wrong, missing or other-secret signatures → 401 and nothing happens', async () => {
  const body = JSON.stringify(pushPayload(repo, { ref: 'refs/heads/main', after: 'c'.repeat(40) }));
  assert.equal((await post('push', body, { signature: null })).status, 401);
  assert.equal((await post('push', body, { signature: sign('not-the-secret', body) })).status, 401);
  assert.equal((await post('push', body, { signature: 'sha256=zz' })).status, 401);
  // A signature of another body (the payload was tampered with).
  assert.equal((await post('push', body, { signature: sign(SECRET, `${body} `) })).status, 401);
  await settle();
  assert.deepEqual(pokes, []);
  assert.deepEqual(deliveries.map(([, r]) => r), ['unauthorized', 'unauthorized', 'unauthorized', 'unauthorized']);
});

test('a replayed delivery id is acted on once', async () => {
  const body = JSON.stringify(pushPayload(repo, { ref: 'refs/heads/main', after: 'd'.repeat(40) }));
  assert.equal((await post('push', body, { id: 'same-id' })).status, 202);
  const again = await post('push', body, { id: 'same-id' });
  assert.equal(again.status, 200);
  assert.match(again.text, /already received/);
  await settle();
  assert.equal(pokes.length, 1);
});

test('unknown events are acknowledged and ignored; ping is answered', async () => {
  const res = await post('issues', JSON.stringify(examplePayload('issues', 'opened')));
  assert.equal(res.status, 202);
  assert.match(res.text, /ignored/);
  assert.equal((await post('ping', JSON.stringify(pingPayload(repo)))).status, 202);
  await settle();
  assert.deepEqual(pokes, []);
  assert.deepEqual(deliveries, [['other', 'ignored'], ['ping', 'accepted']]);
});

test('malformed JSON (signed) → 400; a 30 MB body → 413; both change nothing', async () => {
  const bad = '{"ref": "refs/heads/main",';
  assert.equal((await post('push', bad)).status, 400);
  const huge = Buffer.alloc(30 * 1024 * 1024, 0x20);
  const res = await post('push', huge);
  assert.equal(res.status, 413);
  await settle();
  assert.deepEqual(pokes, []);
  assert.deepEqual(deliveries.map(([, r]) => r), ['malformed', 'too_large']);
});

test('form-encoded deliveries are read like GitHub sends them', async () => {
  const payload = JSON.stringify(pushPayload(repo, { ref: 'refs/heads/main', after: 'e'.repeat(40) }));
  const body = new URLSearchParams({ payload }).toString();
  assert.equal((await post('push', body, { contentType: 'application/x-www-form-urlencoded' })).status, 202);
  await settle();
  assert.equal(pokes.length, 1);
});

test('pull_request events update the PR store and poke; irrelevant actions do neither', async () => {
  await post('pull_request', JSON.stringify(pullRequestPayload('opened', repo, { number: 5, headSha: 'f'.repeat(40), draft: true, labels: ['x'] })));
  await settle();
  assert.deepEqual(store.open('acme/shop').map(({ pr }) => [pr.number, pr.draft, pr.labels, pr.fork]), [[5, true, ['x'], false]]);
  assert.equal(pokes.length, 1);
  await post('pull_request', JSON.stringify(pullRequestPayload('assigned', repo, { number: 5, headSha: 'f'.repeat(40) })));
  await post('pull_request', JSON.stringify(pullRequestPayload('closed', repo, { number: 5, headSha: 'f'.repeat(40), state: 'closed' })));
  await settle();
  assert.equal(pokes.length, 2, 'assigned changes nothing');
  assert.deepEqual(store.open('acme/shop'), []);
});
