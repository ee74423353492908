import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { githubHarness, type GitHubHarness } from '../../github/harness.js';
import { examplePayload, pullRequestPayload, pushPayload, restPull, type RepoFixture } from '../../github/payloads.js';
import { eventually } from '../../support/kube.js';
import { API_VERSION, type App } from '../../../engine/crds/types.js';
import { environmentNamespace } from '../../../engine/render/names.js';

// Polling once an hour: whatever happens within seconds here happened because of a webhook.
let h: GitHubHarness;
let repo: RepoFixture;
let app: string;
const riofile = (text: string) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env: [TEXT=${text}]\n`;
const commitOf = async (name: string) => (await h.environment(name))?.spec.commit;

before(async () => {
  h = await githubHarness({ pollInterval: '1h' });
  repo = await h.repo('api');
  app = h.appName('api');
  const sha = await h.commitApp(repo, 'main', { Riofile: riofile('one') });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(repo, 'previews:\n  enabled: true\n') });
  await h.waitEnvironment(`${app}--main`, 'created by the first poll', (e) => e.spec.commit === sha);
});
after(async () => {
  await h.close();
  assert.deepEqual(h.gh.violations, []);
});

test('a push webhook moves the branch environment at once (polling is hourly), without listing the repository', async () => {
  const previous = (await commitOf(`${app}--main`))!;
  const listings = h.listings(repo);
  const sha = await h.commitApp(repo, 'main', { Riofile: riofile('two') });
  const started = Date.now();
  const res = await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before: previous, after: sha }));
  assert.equal(res.status, 202);
  await h.waitEnvironment(`${app}--main`, `at ${sha}`, (e) => e.spec.commit === sha, 10_000);
  assert.ok(Date.now() - started < 10_000);
  assert.equal(h.listings(repo), listings, 'the signed push said where main moved: no listing needed');
  // GitHub shows the commit pending at once: queued (once the fetch found it at main's tip) unless
  // the engine's own reports got there first; queued never comes after them.
  const first = await eventually('a status on the pushed commit', async () => h.gh.statusesFor(sha, `ria/${app}/main`)[0]);
  assert.equal(first.state, 'pending');
  await eventually('success on the pushed commit', async () => h.gh.statusesFor(sha, `ria/${app}/main`).some((s) => s.state === 'success'), 30_000);
  assert.ok(h.gh.statusesFor(sha, `ria/${app}/main`).findIndex((s) => s.description?.startsWith('queued')) <= 0, 'queued, if posted, is the first');
  assert.match(await h.metrics.registry.metrics(), /ria_webhook_deliveries_total\{event="push",result="accepted"\} 1/);
});

test('a signed push naming a commit that is not the branch tip gets no queued status on that commit (review)', async () => {
  // Setup: a commit that exists, but on another branch (a pull request's head, say).
  const main = environmentNamespace({ app, kind: 'branch', branch: 'main', commit: '' });
  const deployed = (await commitOf(main))!;
  const elsewhere = await h.commitApp(repo, 'side', { Riofile: riofile('side') });
  const listings = h.listings(repo);

  // Test: the fetch of main finds its real tip, so the hint is not used and nothing vouches for `elsewhere`.
  assert.equal((await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before: deployed, after: elsewhere }))).status, 202);
  await eventually('the push was checked by listing', async () => h.listings(repo) > listings);
  await new Promise((r) => setTimeout(r, 1_000));
  assert.deepEqual(h.gh.statusesFor(elsewhere, `ria/${app}/main`), []);
  assert.equal(await commitOf(main), deployed);
});

test('a push that does not follow the deployed commit (out of order, or one missed) is checked by listing; an old one never moves back', async () => {
  const deployed = (await commitOf(`${app}--main`))!;
  const missed = await h.commitApp(repo, 'main', { Riofile: riofile('missed') });
  const head = await h.commitApp(repo, 'main', { Riofile: riofile('head') });
  let listings = h.listings(repo);
  // The delivery of `missed` never came: this one says it moved from `missed`, not from what runs.
  assert.equal((await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before: missed, after: head }))).status, 202);
  await h.waitEnvironment(`${app}--main`, `at ${head}`, (e) => e.spec.commit === head, 10_000);
  assert.ok(h.listings(repo) > listings, 'listed instead of trusting the push');
  // The late delivery of the older push arrives now: listed again, and main stays at its head.
  listings = h.listings(repo);
  assert.equal((await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before: deployed, after: missed }))).status, 202);
  await eventually('the late push was checked', async () => h.listings(repo) > listings);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await commitOf(`${app}--main`), head, 'an old push never moves the environment back');
});

test('bad deliveries get the right answer and change nothing', async () => {
  const before = await commitOf(`${app}--main`);
  const pokes = h.pokes.length;
  const sha = await h.commitApp(repo, 'main', { Riofile: riofile('three') });
  const payload = pushPayload(repo, { ref: 'refs/heads/main', after: sha });
  assert.equal((await h.deliver('push', payload, { secret: 'wrong-secret' })).status, 401);
  assert.equal((await h.deliver('push', payload, { secret: null })).status, 401);
  assert.equal((await h.deliver('push', undefined, { body: '{"ref":' })).status, 400);
  assert.equal((await h.deliver('push', undefined, { body: Buffer.alloc(30 * 1024 * 1024, 0x20) })).status, 413);
  assert.equal((await h.deliver('issues', examplePayload('issues', 'opened'))).status, 202);
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(h.pokes.length, pokes, 'no handler ran');
  assert.equal(await commitOf(`${app}--main`), before, 'nothing moved');

  // A replay of an earlier delivery id is not acted on either.
  const first = await h.deliver('push', payload);
  assert.equal(first.status, 202);
  await h.waitEnvironment(`${app}--main`, `at ${sha}`, (e) => e.spec.commit === sha, 10_000);
  const next = await h.commitApp(repo, 'main', { Riofile: riofile('four') });
  const replay = await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', after: next }), { id: first.id });
  assert.equal(replay.status, 200);
  await new Promise((r) => setTimeout(r, 1_000));
  // Only the first delivery poked (other syncs may still move the branch later, so the poke is what is checked).
  assert.deepEqual(h.pokes.slice(pokes), [repo.cloneUrl]);
  const metrics = await h.metrics.registry.metrics();
  for (const result of ['unauthorized', 'malformed', 'too_large', 'duplicate']) assert.match(metrics, new RegExp(`result="${result}"`));
});

test('a signed push naming a pull request head for main (forged, or replayed) never deploys it: the fetch says where main is', async () => {
  const deployed = (await commitOf(`${app}--main`))!;
  const prHead = await h.pullCommit(repo, 12, deployed, { Riofile: riofile('pr12-not-main') });
  // The preview fetches the PR head into the engine's cache first: a cache shared with branches
  // would have served it for main without asking the server.
  h.gh.setPulls(`acme/${repo.name}`, [restPull(repo, { number: 12, headSha: prHead })]);
  assert.equal((await h.deliver('pull_request', pullRequestPayload('opened', repo, { number: 12, headSha: prHead }))).status, 202);
  await h.waitEnvironment(`${app}--pr-12`, 'applied at the PR head', (e) => e.status?.appliedCommit === prHead, 60_000);
  const tip = await h.commitApp(repo, 'main', { Riofile: riofile('real-main') });
  const listings = h.listings(repo);
  assert.equal((await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before: deployed, after: prHead }))).status, 202);
  await eventually('the push was checked by listing', async () => h.listings(repo) > listings, 10_000);
  await h.waitEnvironment(`${app}--main`, `at the real tip ${tip}`, (e) => e.spec.commit === tip, 10_000);
  await h.waitEnvironment(`${app}--main`, 'applied at the real tip', (e) => e.status?.appliedCommit === tip, 30_000);
  h.gh.setPulls(`acme/${repo.name}`, []);
  assert.equal((await h.deliver('pull_request', pullRequestPayload('closed', repo, { number: 12, headSha: prHead, state: 'closed' }))).status, 202);
});

test('a repository with its own webhook secret (app file webhookSecret → Secret) accepts only that secret; others keep the shared one', async () => {
  const own = await h.repo('own');
  const ownApp = h.appName('own');
  const first = await h.commitApp(own, 'main', { Riofile: riofile('own-1') });
  await h.ctx.objects.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'own-hook', namespace: h.namespace }, type: 'Opaque',
    data: { secret: Buffer.from('own-repo-secret').toString('base64') } });
  await h.commitConfig({ [`apps/${ownApp}.yaml`]: h.appFile(own, 'webhookSecret: own-hook\n') });
  assert.equal((await h.deliver('push', pushPayload({ owner: 'acme', name: 'config', cloneUrl: h.git.urlFor('config'), id: 1 }, { ref: 'refs/heads/main', after: first }))).status, 202);
  await h.waitEnvironment(`${ownApp}--main`, 'created', (e) => e.spec.commit === first, 15_000);
  const second = await h.commitApp(own, 'main', { Riofile: riofile('own-2') });
  const push = pushPayload(own, { ref: 'refs/heads/main', before: first, after: second });
  // The App list is read at most every 30 s: until then the shared secret may still be taken.
  // Probe with throwaway bodies (an untracked branch) until the shared secret is refused.
  const shared = await eventually('the shared secret refused for it', async () => {
    const res = await h.deliver('push', pushPayload(own, { ref: `refs/heads/probe-${Date.now()}`, after: randomBytes(20).toString('hex') }));
    return res.status === 401 ? res : undefined;
  }, 45_000, 1_000);
  assert.equal((await h.deliver('push', push)).status, 401, 'the real push signed with the shared secret');
  const pokes = h.pokes.length;
  assert.match(shared.text, /not one allowed for the repository/);
  // Its secret signs for no other repository.
  const borrowed = await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', after: second }), { secret: 'own-repo-secret' });
  assert.equal(borrowed.status, 401);
  assert.equal((await h.deliver('push', push, { secret: 'own-repo-secret' })).status, 202);
  await h.waitEnvironment(`${ownApp}--main`, `at ${second}`, (e) => e.spec.commit === second, 10_000);
  assert.ok(h.pokes.slice(pokes).every((url) => url === own.cloneUrl), 'only the delivery signed with its own secret acted');
});

test('a push to the config repo reloads the config at once', async () => {
  const other = await h.repo('web');
  const otherApp = h.appName('web');
  const sha = await h.commitApp(other, 'main', { Riofile: riofile('web') });
  await h.commitConfig({ [`apps/${otherApp}.yaml`]: h.appFile(other) });
  const config: RepoFixture = { owner: 'acme', name: 'config', cloneUrl: h.git.urlFor('config'), id: 1 };
  assert.equal((await h.deliver('push', pushPayload(config, { ref: 'refs/heads/main', after: sha }))).status, 202);
  await h.waitEnvironment(`${otherApp}--main`, 'created', (e) => e.spec.commit === sha, 15_000);
});

test('pull_request opened → preview at once; closed → removed; reopened → back (webhooks alone)', async () => {
  const main = (await commitOf(`${app}--main`))!;
  const head = await h.pullCommit(repo, 9, main, { Riofile: riofile('pr9') });
  h.gh.setPulls(`acme/${repo.name}`, [restPull(repo, { number: 9, headSha: head })]);
  assert.equal((await h.deliver('pull_request', pullRequestPayload('opened', repo, { number: 9, headSha: head }))).status, 202);
  await h.waitEnvironment(`${app}--pr-9`, 'created at the head', (e) => e.spec.commit === head && e.spec.pullRequest === 9, 10_000);
  h.gh.setPulls(`acme/${repo.name}`, []);
  assert.equal((await h.deliver('pull_request', pullRequestPayload('closed', repo, { number: 9, headSha: head, state: 'closed' }))).status, 202);
  await eventually('preview removed', async () => (await h.environment(`${app}--pr-9`)) === undefined ? true : undefined, 60_000);
  h.gh.setPulls(`acme/${repo.name}`, [restPull(repo, { number: 9, headSha: head })]);
  assert.equal((await h.deliver('pull_request', pullRequestPayload('reopened', repo, { number: 9, headSha: head }))).status, 202);
  await h.waitEnvironment(`${app}--pr-9`, 'back after reopen', (e) => e.spec.commit === head, 10_000);
});

test('a GitHub rate limit is said on the App (GitHubReporting=False until when), deploys go on, and it clears once the wait is over', async () => {
  const appRef = { apiVersion: API_VERSION, kind: 'App', namespace: h.namespace, name: app };
  const condition = async () => (await h.ctx.objects.get<App>(appRef))?.status?.conditions?.find((c) => c.type === 'GitHubReporting');
  const previous = (await commitOf(`${app}--main`))!;
  // GitHub's secondary limit: the next call is refused with retry-after.
  h.gh.failNext(1, 403, { 'retry-after': '3' }, 'You have exceeded a secondary rate limit.');
  const sha = await h.commitApp(repo, 'main', { Riofile: riofile('limited') });
  assert.equal((await h.deliver('push', pushPayload(repo, { ref: 'refs/heads/main', before: previous, after: sha }))).status, 202);
  const limited = await eventually('the condition', async () => { const c = await condition(); return c?.status === 'False' ? c : undefined; }, 15_000);
  assert.equal(limited.reason, 'RateLimited');
  assert.match(limited.message, /^GitHub asked Ria to wait until \d{4}-\d\d-\d\dT[\d:.]+Z \(secondary rate limit: retry-after 3s\)/);
  // The deploy does not wait for GitHub.
  await h.waitEnvironment(`${app}--main`, `Ready at ${sha}`, (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === sha, 30_000);
  const app0 = (await h.ctx.objects.get<App>(appRef))!;
  assert.equal(app0.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'reporting is not deploying: the App stays Ready');
  const resumed = await eventually('the condition cleared', async () => { const c = await condition(); return c?.status === 'True' ? c : undefined; }, 15_000);
  assert.equal(resumed.reason, 'Resumed');
  // The App's own sync keeps the condition (it is written by another field manager).
  h.engine.poke(repo.cloneUrl);
  await h.engine.queue.idle();
  assert.equal((await condition())?.status, 'True');
});
