import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { githubHarness, type GitHubHarness } from '../../github/harness.js';
import { pullRequestPayload, restPull, type PullFixture, type RepoFixture } from '../../github/payloads.js';
import { testClients, eventually } from '../../support/kube.js';
import { COMMENT_MARKER } from '../../../engine/github/index.js';

const { core } = testClients();
let h: GitHubHarness;
let repo: RepoFixture;
let app: string;
let mainSha: string;
const riofile = (text: string) => `services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    env: [TEXT=${text}]\n`;

/** What GitHub does when a PR changes: its list changes and it sends the webhook. */
async function prEvent(action: string, pr: PullFixture, open: PullFixture[]): Promise<void> {
  h.gh.setPulls(`acme/${repo.name}`, open.map((p) => restPull(repo, p)));
  const res = await h.deliver('pull_request', pullRequestPayload(action, repo, pr));
  assert.equal(res.status, 202, res.text);
}

before(async () => {
  h = await githubHarness({ github: '  prComment: true\n' });
  repo = await h.repo('shop');
  app = h.appName('shop');
  mainSha = await h.commitApp(repo, 'main', { Riofile: riofile('main') });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(repo, `previews:\n  enabled: true\n  forkLabel: safe-to-preview\n  quota: {pods: "10", services: "5"}\n`) });
});
after(async () => {
  await h.close();
  assert.deepEqual(h.gh.violations, [], 'every request Ria made is allowed by GitHub\'s description');
  assert.deepEqual(h.gh.responseViolations, []);
});

test('a branch deploy reports a success status and a production deployment', async () => {
  const env = await h.waitEnvironment(`${app}--main`, 'Ready', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === mainSha);
  const context = `ria/${app}/main`;
  const success = await eventually('success status on main', async () => h.gh.statusesFor(mainSha, context).find((s) => s.state === 'success'));
  assert.equal(success.target_url, env.status?.url);
  assert.equal(success.description, `deployed ${mainSha.slice(0, 7)}`);
  const deployment = await eventually('deployment of main', async () => h.gh.deployments.find((d) => d.environment === `${app}/main` && d.sha === mainSha));
  assert.equal(deployment.production_environment, true);
  assert.equal(deployment.transient_environment, false);
  await eventually('deployment success', async () => deployment.statuses.at(-1)?.state === 'success');
});

test('open PR → preview Ready at the PR head, success status with the preview URL, deployment success, quota, PR comment', async () => {
  const head = await h.pullCommit(repo, 1, mainSha, { Riofile: riofile('pr1') });
  const pr: PullFixture = { number: 1, headSha: head };
  await prEvent('opened', pr, [pr]);
  const name = `${app}--pr-1`;
  const env = await h.waitEnvironment(name, 'Ready', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === head);
  assert.equal(env.spec.kind, 'pr');
  assert.equal(env.spec.target, 'pr-1');
  assert.equal(env.spec.namespace, name);
  assert.equal(env.status?.url, `https://web--${app}--pr-1.apps.test`);
  const context = `ria/${app}/pr-1`;
  const success = await eventually('success status', async () => h.gh.statusesFor(head, context).find((s) => s.state === 'success'));
  assert.equal(success.target_url, env.status?.url);
  const states = h.gh.statusesFor(head, context).map((s) => `${s.state}:${s.description}`);
  assert.equal(new Set(states).size, states.length, `no status posted twice: ${states.join(' | ')}`);
  assert.ok(states[0]?.startsWith('pending:'), 'pending came first');
  const deployment = await eventually('deployment of the head', async () => h.gh.deployments.find((d) => d.environment === `${app}/pr-1` && d.sha === head));
  assert.equal(deployment?.transient_environment, true);
  assert.equal(deployment?.production_environment, false);
  await eventually('deployment success with the URL', async () => {
    const last = deployment?.statuses.at(-1);
    return last?.state === 'success' && last.environment_url === env.status?.url;
  });
  assert.equal(deployment?.statuses[0]?.state, 'in_progress');
  const quota = await core.readNamespacedResourceQuota({ namespace: name, name: 'ria-preview' });
  assert.equal(quota.spec?.hard?.pods, '10');
  assert.equal(quota.spec?.hard?.services, '5');
  const comment = await eventually('PR comment', async () => [...h.gh.comments.values()].find((c) => c.issue === 1));
  assert.ok(comment.body.includes(COMMENT_MARKER));
  assert.ok(comment.body.includes(env.status!.url!));
});

test('push to the PR → redeploy at the new head, new statuses and deployment; the comment is edited, not duplicated', async () => {
  const first = (await h.environment(`${app}--pr-1`))!.spec.commit;
  const head = await h.pullCommit(repo, 1, first, { Riofile: riofile('pr1-v2') });
  const pr: PullFixture = { number: 1, headSha: head };
  await prEvent('synchronize', pr, [pr]);
  await h.waitEnvironment(`${app}--pr-1`, 'Ready at the new head', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === head);
  await eventually('success on the new head', async () => h.gh.statusesFor(head, `ria/${app}/pr-1`).some((s) => s.state === 'success'));
  const deployments = h.gh.deployments.filter((d) => d.environment === `${app}/pr-1`);
  assert.deepEqual(deployments.map((d) => d.sha), [first, head], 'one deployment per commit');
  await eventually('new deployment success', async () => deployments[1]?.statuses.at(-1)?.state === 'success');
  assert.equal([...h.gh.comments.values()].filter((c) => c.issue === 1).length, 1);
  await eventually('comment shows the new commit', async () => [...h.gh.comments.values()].find((c) => c.issue === 1)?.body.includes(head.slice(0, 7)));
});

test('close → Environment and namespace gone, deployment inactive', async () => {
  const env = (await h.environment(`${app}--pr-1`))!;
  await prEvent('closed', { number: 1, headSha: env.spec.commit, state: 'closed', merged: true }, []);
  await eventually('Environment and namespace gone', async () => {
    const gone = !(await h.environment(`${app}--pr-1`));
    const ns = await core.readNamespace({ name: `${app}--pr-1` }).catch(() => undefined);
    return gone && !ns ? true : undefined;
  }, 60_000);
  const last = h.gh.deployments.filter((d) => d.environment === `${app}/pr-1`).at(-1);
  await eventually('deployment inactive', async () => last?.statuses.at(-1)?.state === 'inactive');
  assert.ok(await h.environment(`${app}--main`), 'the branch environment stays');
});

test('fork PR found by polling (no webhook) → no build and a status saying why; the maintainer label builds it', async () => {
  const head = await h.pullCommit(repo, 2, mainSha, { Riofile: riofile('fork'), Dockerfile: 'FROM scratch\n' });
  const fork: PullFixture = { number: 2, headSha: head, fork: true };
  h.gh.setPulls(`acme/${repo.name}`, [restPull(repo, fork)]);
  const status = await eventually('skip status', async () => h.gh.statusesFor(head, `ria/${app}/pr-2`)[0], 30_000);
  assert.equal(status.state, 'pending');
  assert.match(status.description ?? '', /fork.*"safe-to-preview"/);
  // A few more poll cycles: still nothing built, and the same status is not posted again.
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(await h.environment(`${app}--pr-2`), undefined);
  assert.equal(h.gh.statusesFor(head, `ria/${app}/pr-2`).length, 1);
  assert.ok(!h.gh.deployments.some((d) => d.sha === head));
  // A maintainer adds the label: GitHub's list changes (polling alone picks it up).
  h.gh.setPulls(`acme/${repo.name}`, [restPull(repo, { ...fork, labels: ['safe-to-preview'] })]);
  await h.waitEnvironment(`${app}--pr-2`, 'Ready after the label', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === head);

  // The fork pushes again: the label vouched for the old commit only, so the preview goes and a status says why.
  const pushed = await h.pullCommit(repo, 2, head, { Riofile: riofile('fork-v2') });
  h.gh.setPulls(`acme/${repo.name}`, [restPull(repo, { ...fork, headSha: pushed, labels: ['safe-to-preview'] })]);
  const why = await eventually('status on the new fork commit', async () => h.gh.statusesFor(pushed, `ria/${app}/pr-2`)[0], 30_000);
  assert.match(why.description ?? '', /new commits on a fork since "safe-to-preview" was added/);
  await eventually('preview of the fork removed', async () => (await h.environment(`${app}--pr-2`)) === undefined ? true : undefined, 60_000);
  // A maintainer removes and re-adds the label (webhooks): the new commit is built.
  const unlabeled = { ...fork, headSha: pushed };
  await prEvent('unlabeled', unlabeled, [unlabeled]);
  const relabeled = { ...fork, headSha: pushed, labels: ['safe-to-preview'] };
  await prEvent('labeled', relabeled, [relabeled]);
  await h.waitEnvironment(`${app}--pr-2`, 'Ready at the re-vouched commit', (e) => e.status?.phase === 'Ready' && e.status.appliedCommit === pushed);
});
