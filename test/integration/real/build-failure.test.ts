import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { githubHarness, type GitHubHarness } from '../../github/harness.js';
import { testClients, eventually } from '../../support/kube.js';
import { realNode, realBuildSettings, publishRegistry } from '../../support/real-node.js';
import { environmentNamespace } from '../../../engine/render/names.js';
import { MAX_DESCRIPTION } from '../../../engine/github/environment-report.js';

// A Dockerfile that fails, built for real by Kaniko on the node: the Environment is Failed
// (Stalled, BuildFailed) with the builder's last log lines, the commit status (the GitHub
// stand-in) says which step failed and how to read the whole log, and the pods of the previous
// commit keep answering.
const { apps, core } = testClients();
const node = realNode();
let h: GitHubHarness;
let registry: Awaited<ReturnType<typeof publishRegistry>>;

const riofile = 'services:\n  api:\n    build:\n      dockerfile: Dockerfile\n    ports: 8080/http\n';
const dockerfile = (run: string) => `FROM node:20-alpine\nWORKDIR /app\nCOPY server.js ./\nRUN ${run}\nUSER node\nCMD ["node", "server.js"]\n`;
const server = `import { createServer } from 'node:http';
createServer((req, res) => res.end('version one')).listen(8080);
process.on('SIGTERM', () => process.exit(0));
`;

before(async () => {
  registry = await publishRegistry(node);
  h = await githubHarness({ settings: realBuildSettings(node.info, { registryEndpoint: registry.url }) });
  await node.exposeHostPort(Number(new URL(h.git.url).port));
});
after(async () => { await h.close(); await registry.close(); await node.close(); });

test('a Dockerfile that fails: Environment Failed with the builder\'s last lines, the commit status says so, the previous pods keep answering', { timeout: 600_000 }, async () => {
  const repo = await h.repo('broken');
  const app = repo.name;
  const envName = environmentNamespace({ app, kind: 'branch', branch: 'main', commit: '' });
  const context = `ria/${app}/main`;
  const good = await h.commitApp(repo, 'main', { Riofile: riofile, Dockerfile: dockerfile('echo ok > /app/ok.txt'), 'server.js': server, 'package.json': '{"type":"module"}\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(repo) });
  await h.waitEnvironment(envName, `Ready at ${good}`, (e) => e.status?.appliedCommit === good && e.status.phase === 'Ready', 300_000);
  const answer = async () => {
    const ip = (await core.readNamespacedService({ namespace: envName, name: 'api' })).spec?.clusterIP;
    const res = await node.request(`http://${ip}:8080/`, { timeoutMs: 3000 }).catch(() => undefined);
    return res?.status === 200 ? res.body : undefined;
  };
  assert.equal(await eventually('the first commit answers', answer, 60_000, 500), 'version one');

  const bad = await h.commitApp(repo, 'main', { Dockerfile: dockerfile('echo "about to fail" && exit 3') });
  const env = await h.waitEnvironment(envName, `Failed at ${bad}`, (e) => e.status?.observedCommit === bad && e.status.phase === 'Failed', 300_000);
  const stalled = env.status!.conditions!.find((c) => c.type === 'Stalled')!;
  assert.equal(stalled.status, 'True');
  assert.equal(stalled.reason, 'BuildFailed');
  assert.match(stalled.message, /RUN echo "about to fail" && exit 3: exit status 3/);
  assert.match(stalled.message, /Last log lines: .*about to fail/);
  assert.match(stalled.message, new RegExp(`Whole log: ria logs ${app} --env main --build$`));
  const build = env.status!.builds![0]!;
  assert.equal(build.phase, 'Failed');
  assert.equal(build.failedContainer, 'kaniko');
  const tail = build.logTail!.split('\n');
  assert.ok(tail.length <= 20 && Buffer.byteLength(build.logTail!) <= 4096);
  assert.ok(tail.includes('about to fail'), build.logTail);
  assert.match(tail.at(-1)!, /exit status 3/);

  // The commit status (GitHub stand-in): failure, the step and the command, within 140 characters.
  const status = await eventually('a failure status on the bad commit', async () => h.gh.statusesFor(bad, context).find((s) => s.state === 'failure'), 60_000);
  assert.match(status.description ?? '', new RegExp(`^build of api failed: RUN echo "about to fail" && exit 3: exit status 3; ria logs ${app} --env main --build$`));
  assert.ok((status.description ?? '').length <= MAX_DESCRIPTION);

  // What ran before keeps running and answering.
  const deployment = await apps.readNamespacedDeployment({ namespace: envName, name: 'api' });
  assert.match(deployment.spec?.template.spec?.containers[0]?.image ?? '', new RegExp(`:${good}$`));
  assert.equal(await answer(), 'version one');
});
