import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, type EngineHarness } from '../../support/engine-harness.js';
import { testClients, eventually } from '../../support/kube.js';
import type { WatchHandle } from '../../../engine/controller/informers.js';
import { API_VERSION } from '../../../engine/crds/types.js';

const { core } = testClients();
let h: EngineHarness;

before(async () => {
  // Polling hourly, the resync every 2 seconds: only the resync can find what the watch missed.
  h = await engineHarness({ settings: 'pollInterval: 1h\ndomain: apps.test\n', resyncCron: '*/2 * * * * *' });
});
after(() => h.close());

test('a watch that died quietly: the resync lists Environments from the API server, so new ones deploy and removed ones are torn down', async () => {
  const riofile = 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n';
  await h.commitApp('first', 'main', { Riofile: riofile });
  await h.commitConfig({ [`apps/${h.appName('first')}.yaml`]: h.appFile(h.appName('first'), 'first') });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(`${h.appName('first')}--main`, 'Ready', (e) => e.status?.phase === 'Ready');

  // The Environment watch dies without an error (what a stuck client-node watch looks like).
  (h.engine as unknown as { environmentWatch: WatchHandle }).environmentWatch.stop();

  const late = h.appName('late');
  await h.commitApp('late', 'main', { Riofile: riofile });
  await h.commitConfig({ [`apps/${late}.yaml`]: h.appFile(late, 'late') });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(`${late}--main`, 'Ready without a watch event', (e) => e.status?.phase === 'Ready', 60_000);

  await h.commitConfig({ [`apps/${late}.yaml`]: null });
  h.engine.poke(h.git.urlFor('config'));
  await eventually('Environment and namespace gone', async () => {
    const env = await h.environment(`${late}--main`);
    const ns = await core.readNamespace({ name: `${late}--main` }).catch(() => undefined);
    return !env && !ns ? true : undefined;
  }, 90_000);
  assert.ok(await h.environment(`${h.appName('first')}--main`), 'the other environment stays');
});

test('an App watch that died quietly: the resync lists the Apps, so an App spec changed by another writer (its allow revoked) still reaches the reconcile', async () => {
  const app = h.appName('rights');
  await h.commitApp('rights', 'main', { Riofile: 'services:\n  web:\n    image: nginx:1.27\n    ports: 80/http\n    permissions:\n    - get,list configmaps\n' });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'rights', 'allow: { permissions: true }\n') });
  h.engine.poke(h.git.urlFor('config'));
  await h.waitEnvironment(`${app}--main`, 'Ready', (e) => e.status?.phase === 'Ready');

  // The App watch dies without an error; someone else than the config sync revokes the allow.
  (h.engine as unknown as { appWatch: WatchHandle }).appWatch.stop();
  await h.ctx.objects.mergePatch({ apiVersion: API_VERSION, kind: 'App', namespace: h.namespace, name: app }, { spec: { allow: null } });
  const revoked = await h.waitEnvironment(`${app}--main`, 'Failed without a watch event', (e) => e.status?.phase === 'Failed', 60_000);
  assert.equal(revoked.status?.lastError?.path, 'services.web.permissions');
});
