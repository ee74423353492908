/**
 * A route the real gateway refuses shows on the Environment with the gateway's own reason: ria.yaml
 * attaches the routes to a listener the Gateway does not have (sectionName), Traefik writes
 * Accepted=False NoMatchingParent on each HTTPRoute, and the Environment is Failed (RouteRejected)
 * with RoutesServed=False carrying that reason. Once ria.yaml names the Gateway right, the same
 * commit is served and Ready.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { engineHarness, phaseIs, type EngineHarness } from '../../support/engine-harness.js';
import { testClients } from '../../support/kube.js';
import { echoConfigs, echoService, gatewaySkip, testGateway, type TestGateway } from '../../support/gateway.js';
import { endpointHost, environmentNamespace } from '../../../engine/render/names.js';

/** The Environment of the app's main branch (named like its namespace). */
const mainEnv = (app: string) => environmentNamespace({ app, kind: 'branch', branch: 'main', commit: '' });

const skip = gatewaySkip();
const { ria } = testClients();
let gw: TestGateway;
let h: EngineHarness;

before(async () => {
  if (skip) return;
  gw = await testGateway(ria);
  h = await engineHarness({ settings: `${gw.settings('pollInterval: 1s')}  sectionName: no-such-listener\n` });
});
after(async () => { await h?.close(); await gw?.close(); });

test('an HTTPRoute the gateway rejects: the Environment says so with the gateway\'s reason, and recovers once fixed', { skip, timeout: 240_000 }, async () => {
  const app = h.appName('rejected');
  const sha = await h.commitApp('rejected', 'main', { Riofile: `${echoConfigs()}services:\n  web:\n${echoService('web')}\n` });
  await h.commitConfig({ [`apps/${app}.yaml`]: h.appFile(app, 'rejected') });
  const failed = await h.waitEnvironment(mainEnv(app), 'Failed: route rejected', (e) => e.status?.appliedCommit === sha && phaseIs('Failed')(e), 120_000);
  const ready = failed.status?.conditions?.find((c) => c.type === 'Ready');
  const served = failed.status?.conditions?.find((c) => c.type === 'RoutesServed');
  assert.equal(ready?.reason, 'RouteRejected', JSON.stringify(failed.status?.conditions));
  assert.equal(served?.status, 'False');
  assert.equal(served?.reason, 'NoMatchingParent');
  assert.match(ready?.message ?? '', /NoMatchingParent|no-such-listener|not accepted/i);

  // The gateway serves nothing for it meanwhile.
  const host = endpointHost(['web'], { app, kind: 'branch', branch: 'main', commit: sha }, gw.domain);
  assert.equal((await gw.get(host)).status, 404);

  await h.commitConfig({ 'ria.yaml': gw.settings('pollInterval: 1s') });
  await h.waitEnvironment(mainEnv(app), 'Ready once the Gateway is named right', (e) => phaseIs('Ready')(e), 120_000);
  const answer = await gw.until('the route served', host, '/', (a) => (a.status === 200 ? JSON.parse(a.body) as { who: string } : undefined));
  assert.equal(answer.who, 'web');
});
